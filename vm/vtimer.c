/* The guest's LAPIC timer; the design is in vtimer.h. */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vtimer.h"

static u32 timer_mode(const struct vcpu *v)
{
	return READ_ONCE(v->lvt_timer) & APIC_LVT_TIMER_MODE_MASK;
}

void vtimer_set_deadline(struct vcpu *v, u64 deadline)
{
	if (timer_mode(v) == APIC_LVT_TIMER_TSC_DEADLINE)
		store_release(&v->tsc_deadline, deadline);
}

u64 vtimer_get_deadline(struct vcpu *v)
{
	return timer_mode(v) == APIC_LVT_TIMER_TSC_DEADLINE ? load_acquire(&v->tsc_deadline) : 0;
}

static void disarm(struct vcpu *v)
{
	store_relaxed(&v->lapic.tmr_total, 0);
	store_release(&v->tsc_deadline, 0);
}

/* Periodic: the first period boundary after now (missed ones coalesce); else none. */
static u64 successor(struct vcpu *v, u64 d, u64 now)
{
	u64 period = load_relaxed(&v->lapic.tmr_total);

	if (timer_mode(v) != APIC_LVT_TIMER_PERIODIC || !period)
		return 0;
	return now < d + period ? d + period : now + period - (now - d) % period;
}

void vtimer_lvt_write(struct vcpu *v, u32 lvt)
{
	u32 old = READ_ONCE(v->lvt_timer);
	u64 d = load_acquire(&v->tsc_deadline), now = rdtsc();

	/* An expiry that passed while the entry was masked interrupted nobody: unmasking it now
	 * must not deliver it late (the count ran out, or a period went by, with no interrupt). */
	if ((old & APIC_LVT_MASKED) && !(lvt & APIC_LVT_MASKED) && d && now >= d)
		cmpxchg(&v->tsc_deadline, &d, successor(v, d, now));

	WRITE_ONCE(v->lvt_timer, lvt);
	if ((old ^ lvt) & APIC_LVT_TIMER_MODE_MASK) {
		/* 11.5.4.1: a switch into or out of TSC-deadline mode disarms; so does any other
		 * mode change here (the count restarts with the next TMICT write) */
		disarm(v);
		v->vapic[APIC_REG_TIMER_ICR / 4] = 0;
	}
}

u32 vtimer_tmict_write(struct vcpu *v, u32 count)
{
	u64 now = rdtsc(), total = (u64)count * v->lapic.tmr_div;

	if (timer_mode(v) == APIC_LVT_TIMER_TSC_DEADLINE)
		return 0; /* 11.5.4.1: TMICT writes are ignored in TSC-deadline mode */
	if (!count) {
		disarm(v);
		return 0;
	}
	v->lapic.tmr_start = now;
	store_relaxed(&v->lapic.tmr_total, total);
	store_release(&v->tsc_deadline, now + total);
	return count;
}

void vtimer_tdcr_write(struct vcpu *v, u32 tdcr)
{
	/* 11.5.4, figure 11-10: bits 3,1:0 = 0..6 divide by 2^(n+1), 7 divide by 1 */
	u32 n = (tdcr & 3) | ((tdcr & 8) >> 1);

	v->lapic.tmr_div = 1u << ((n + 1) & 7);
}

u32 vtimer_tmcct(struct vcpu *v)
{
	u64 total = load_relaxed(&v->lapic.tmr_total), div = v->lapic.tmr_div, left, el;

	if (!total || timer_mode(v) == APIC_LVT_TIMER_TSC_DEADLINE)
		return 0;
	el = rdtsc() - v->lapic.tmr_start;
	if (timer_mode(v) == APIC_LVT_TIMER_PERIODIC)
		left = total - el % total;
	else if (el >= total)
		return 0;
	else
		left = total - el;
	return (u32)((left + div - 1) / div);
}

bool vtimer_check(struct vcpu *v, enum vtimer_from from)
{
	u64 d = load_acquire(&v->tsc_deadline), now;
	u32 lvt;

	if (!d || (now = rdtsc()) < d || !cmpxchg(&v->tsc_deadline, &d, successor(v, d, now)))
		return false;
	lvt = READ_ONCE(v->lvt_timer);
	if (from == VTIMER_VMX_EXIT)
		v->st.timer_vmx++;
	else
		fetch_add(&v->st.timer_host, 1);
	if (lvt & APIC_LVT_MASKED)
		return true;
	if ((lvt & APIC_LVT_VECTOR_MASK) < 16)
		vlapic_error(v, APIC_ESR_RECV_ILLEGAL, from != VTIMER_HOST); /* 11.5.3 */
	else if (vlapic_accepts_fixed(v) && from != VTIMER_HOST)
		vcpu_post_own(v, lvt & APIC_LVT_VECTOR_MASK);
	else if (vlapic_accepts_fixed(v))
		vcpu_post(v, lvt & APIC_LVT_VECTOR_MASK);
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
	vtimer_check(v, VTIMER_HOST);
}

/* Running here now: the VMX-preemption timer takes over from this pCPU's host timer. */
void vtimer_switch_in(struct vcpu *v, u32 cpu)
{
	timer_cancel(&v->host_timer[cpu]);
}

/* Leaving this pCPU with a deadline armed: a host timer here covers it (bug 8). */
void vtimer_switch_out(struct vcpu *v)
{
	u64 d = load_acquire(&v->tsc_deadline);

	if (d && (READ_ONCE(v->lvt_timer) & APIC_LVT_MASKED) == 0)
		timer_arm(&v->host_timer[pcpu_id()], d);
}
