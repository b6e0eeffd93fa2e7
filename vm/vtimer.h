/*
 * INTERFACE: the guest's LAPIC timer (SDM Vol. 3A 11.5.4) without a real LAPIC timer, in its three
 * modes: one-shot and periodic (TMICT counted down at the TSC rate divided by TDCR: one count is
 * `divide` TSC ticks) and TSC-deadline (11.5.4.1, IA32_TSC_DEADLINE).
 *
 * All three keep their next expiry in v->tsc_deadline (TSC, 0 = none).  While the vCPU runs the
 * VMX-preemption timer ends guest mode there (the entry path arms it); while it is blocked or
 * preempted, a host timer (arch/x86/timer.h) on the pCPU it left does (known bug 8, docs/pi.md).
 * Either way expiry is a vcpu_post() of the LVT timer vector, so a blocked vCPU wakes through
 * the ordinary posted-interrupt path; a periodic timer moves tsc_deadline one period on (missed
 * periods coalesce into one interrupt, as a real LAPIC's IRR bit would).
 *
 * Claiming: whoever moves tsc_deadline from d to its successor with a cmpxchg fires it, so the
 * VMX path and a host timer left armed on another pCPU never both fire one expiry.
 */
#ifndef VMX_VTIMER_H
#define VMX_VTIMER_H

#include "arch/x86/timer.h"
#include "lib/types.h"

struct vcpu;

/* WRMSR IA32_TSC_DEADLINE: 0 disarms; ignored outside TSC-deadline mode (11.5.4.1). */
void vtimer_set_deadline(struct vcpu *v, u64 deadline);
/* RDMSR IA32_TSC_DEADLINE: the armed deadline, 0 once fired or outside TSC-deadline mode. */
u64 vtimer_get_deadline(struct vcpu *v);
/* LVT timer write (already masked to its writable bits): a mode change disarms the timer. */
void vtimer_lvt_write(struct vcpu *v, u32 lvt);
/* TMICT write: (re)starts the count, 0 stops it.  @return the value TMICT then reads. */
u32 vtimer_tmict_write(struct vcpu *v, u32 count);
/* TDCR write: the divide for the next TMICT write. */
void vtimer_tdcr_write(struct vcpu *v, u32 tdcr);
/* TMCCT: the current count. */
u32 vtimer_tmcct(struct vcpu *v);
/* Who asks vtimer_check: v's own exit handling (the vector goes straight in) or a host timer. */
enum vtimer_from {
	VTIMER_VMX_EXIT, /* v's VMX-preemption-timer exit (counted in timer_vmx) */
	VTIMER_OWN_EXIT, /* v's HLT exit (counted in timer_host, as the host timer's) */
	VTIMER_HOST,	 /* a host timer, any pCPU, IRQ context */
};
/* Fire the timer if its expiry has passed. */
bool vtimer_check(struct vcpu *v, enum vtimer_from from);
void vtimer_switch_in(struct vcpu *v, u32 cpu);
void vtimer_switch_out(struct vcpu *v);
/* The host timer's callback (arg = the vCPU). */
void vtimer_host_fire(struct timer *t, void *arg);

#endif
