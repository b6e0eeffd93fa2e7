/* The guest's TSC-deadline timer; the design is in vtimer.h. */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vtimer.h"

void vtimer_set_deadline(struct vcpu *v, u64 deadline)
{
	store_release(&v->tsc_deadline, deadline);
}

bool vtimer_check(struct vcpu *v, bool vmx_exit)
{
	u64 d = load_acquire(&v->tsc_deadline);
	u32 lvt = READ_ONCE(v->lvt_timer);

	if (!d || rdtsc() < d || !cmpxchg(&v->tsc_deadline, &d, 0))
		return false;
	if (vmx_exit)
		v->st.timer_vmx++;
	else
		fetch_add(&v->st.timer_host, 1);
	if (!(lvt & APIC_LVT_MASKED) && (lvt & 0xff) >= 16)
		vcpu_post(v, lvt & 0xff);
	return true;
}

/*
 * Runs on the pCPU the timer was armed on, IRQs off.  Each pCPU has its own timer per vCPU
 * (host_timer[cpu]), so a switch-out never has to move a timer armed on another pCPU: a stale
 * one just finds the deadline gone (0), or fires it first (the cmpxchg decides), or chases a
 * deadline that moved later.
 */
void vtimer_host_fire(struct timer *t, void *arg)
{
	struct vcpu *v = arg;
	u64 d = load_acquire(&v->tsc_deadline);

	if (d && rdtsc() < d) {
		timer_arm(t, d);
		return;
	}
	vtimer_check(v, false);
}

/* Running here now: the VMX-preemption timer takes over from this pCPU's host timer. */
void vtimer_switch_in(struct vcpu *v, u32 cpu)
{
	timer_cancel(&v->host_timer[cpu]);
}

/* Leaving this pCPU with a deadline armed: a host timer covers it (docs/pi.md, known bug 8). */
void vtimer_switch_out(struct vcpu *v)
{
	u64 d = load_acquire(&v->tsc_deadline);

	if (d && (READ_ONCE(v->lvt_timer) & APIC_LVT_MASKED) == 0)
		timer_arm(&v->host_timer[pcpu_id()], d);
}
