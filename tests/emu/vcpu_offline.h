/*
 * Taking a pCPU out of vCPU scheduling: the kernel side of pi_cpu_offline (known bug 14 of
 * docs/pi.md).  pihv has no CPU hot-unplug; this is the part of it that vCPUs and posted interrupts
 * see: the pCPU stops running vCPUs, every vCPU bound to it moves to a target pCPU, and the blocked
 * ones on its wakeup list move to the target's list with NDST pointing there.
 */
#ifndef VMX_VCPU_OFFLINE_H
#define VMX_VCPU_OFFLINE_H

#include "lib/types.h"

struct vm;

/*
 * Take pCPU dead out of vCPU scheduling for the rest of the boot; target takes over.
 * Called on another pCPU, IRQs off or on, while dead runs vcpu_loop (or no vCPU loop at all).
 * Every vCPU of vms whose run queue is dead is migrated to target (a running one when it is next
 * switched out: dead is kicked); dead's loop then parks at its next idle pass (no balance()
 * pulls any more), and pi_cpu_offline(dead, target) moves its wakeup list.
 * @pre dead != target, both < pcpu_count(), target runs vcpu_loop; no vCPU pinned to dead.
 * @return 0, or -1 if dead did not park within wait_us (nothing was moved in pi/ then).
 */
int vcpu_pcpu_offline(struct vm **vms, u32 nr_vms, u32 dead, u32 target, u64 wait_us);

/* vcpu_loop on cpu, idle: stop scheduling vCPUs here?  (cpu was taken offline) */
bool vcpu_pcpu_leaving(u32 cpu);
/* vcpu_loop on cpu: it has left its loop; no vCPU is loaded here. */
void vcpu_pcpu_parked(u32 cpu);

#endif
