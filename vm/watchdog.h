/* INTERFACE: the vm_run() watchdog (watchdog.c). */
#ifndef VMX_WATCHDOG_H
#define VMX_WATCHDOG_H

#include "arch/x86/timer.h"
#include "lib/types.h"

struct vm;

struct watchdog {
	struct timer timer;
	struct vm **vms;
	u32 nr_vms;
	u64 ms;
	bool fired;
};

/* Arms the watchdog on this pCPU for the run of vms.  @pre IRQs may be on or off. */
void watchdog_start(struct watchdog *w, struct vm **vms, u32 nr_vms);
/* Disarms it (same pCPU); returns true if it fired (the VMs were killed by it). */
bool watchdog_stop(struct watchdog *w);

#endif
