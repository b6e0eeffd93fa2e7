/*
 * INTERFACE: the stuck-VM watchdog of a vm_run() (watchdog.c; docs/isolation.md "Stuck VMs").
 *
 * A VM is stuck when, for its whole limit, none of its vCPUs caused a VM exit of its own: every
 * exit in that time was the host's (external interrupt, NMI, VMX-preemption timer, interrupt
 * window), or there was none at all because every vCPU stayed halted.  A guest spinning without
 * exits and a guest halted with nothing to wake it are both stuck; one that makes hypercalls,
 * port I/O, CPUID or MSR accesses, or halts and is woken, is not.  Only VMs with a limit are
 * watched (vm->watchdog_ms), and a stuck VM is stopped alone.
 */
#ifndef VMX_WATCHDOG_H
#define VMX_WATCHDOG_H

#include "arch/x86/timer.h"
#include "lib/types.h"

struct vm;

/* The reason a stuck VM is stopped with (vm->why). */
#define WATCHDOG_WHY "watchdog: stuck (no VM exit of its own within its limit)"

struct watchdog {
	struct timer timer; /* on the pCPU that called watchdog_start, every period */
	struct vm **vms;
	u32 nr_vms;
	u64 period;  /* TSC ticks between checks; 0: no VM is watched, nothing armed */
	u32 stopped; /* VMs it stopped */
};

/* Configured limits: the command line's watchdog_ms=, or none even if it gives one. */
#define WATCHDOG_GLOBAL 0
#define WATCHDOG_OFF	(~0ull)
/*
 * The limit in ms (0: none) of a VM configured with ms, WATCHDOG_GLOBAL or WATCHDOG_OFF.  The
 * command line's watchdog_ms= is range-checked by kernel/cmdline.c: 0..86400000, 0 none.
 */
u64 watchdog_limit_ms(u64 configured);
/* Arms the watchdog on this pCPU for the run of vms.  @pre IRQs may be on or off. */
void watchdog_start(struct watchdog *w, struct vm **vms, u32 nr_vms);
/* Disarms it (same pCPU); returns the number of VMs it stopped. */
u32 watchdog_stop(struct watchdog *w);

#endif
