/*
 * INTERFACE: the guest's TSC-deadline timer (SDM Vol. 3A 11.5.4.1) without a real LAPIC timer:
 * while the vCPU runs, the VMX-preemption timer ends guest mode at the deadline (the entry path
 * arms it); while it is blocked or preempted, a host timer (arch/x86/timer.h) on the pCPU it
 * left does (docs/pi.md, known bug 8).  Either way expiry is a vcpu_post() of the LVT timer vector,
 * so a blocked vCPU wakes through the ordinary posted-interrupt path.
 *
 * Claiming: whoever moves tsc_deadline from d to 0 with a cmpxchg fires it, so the VMX path and
 * a host timer left armed on another pCPU never both fire one deadline.
 */
#ifndef VMX_VTIMER_H
#define VMX_VTIMER_H

#include "arch/x86/timer.h"
#include "lib/types.h"

struct vcpu;

/* WRMSR IA32_TSC_DEADLINE: 0 disarms. */
void vtimer_set_deadline(struct vcpu *v, u64 deadline);
/* Fire the deadline if it has passed.  vmx_exit: counted as a preemption-timer expiry. */
bool vtimer_check(struct vcpu *v, bool vmx_exit);
void vtimer_switch_in(struct vcpu *v, u32 cpu);
void vtimer_switch_out(struct vcpu *v);
/* The host timer's callback (arg = the vCPU). */
void vtimer_host_fire(struct timer *t, void *arg);

#endif
