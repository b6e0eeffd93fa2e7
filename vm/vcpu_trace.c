/* pi_load / pi_put with their descriptor snapshots in the trace (vm/vcpu_trace.h). */
#include "arch/x86/atomic.h"
#include "pi/pi.h"
#include "trace/trace.h"
#include "vm/vcpu.h"
#include "vm/vcpu_trace.h"

void vcpu_trace_pi_load(struct vcpu *v, u32 cpu)
{
	u64 before = load_relaxed(&v->pi.desc.control);

	pi_load(&v->pi, cpu);
	trace_emit(TRACE_EV_PI_LOAD, 0, v->se.trace_id, before, load_relaxed(&v->pi.desc.control));
}

void vcpu_trace_pi_put(struct vcpu *v, bool blocking, bool preempted)
{
	u64 before = load_relaxed(&v->pi.desc.control);
	u8 flags = (blocking ? TRACE_F_BLOCKING : 0) | (preempted ? TRACE_F_PREEMPTED : 0) |
		   (v->block_if ? TRACE_F_GUEST_IF : 0);

	pi_put(&v->pi, blocking, preempted, v->block_if);
	trace_emit(TRACE_EV_PI_PUT, flags, v->se.trace_id, before,
		   load_relaxed(&v->pi.desc.control));
}

void vcpu_trace_post(struct vcpu *v, u8 vector, bool coalesced)
{
	bool notified = pi_post(&v->pi, vector);

	if (notified)
		fetch_add(&v->st.post_notified, 1);
	trace_emit(TRACE_EV_POST,
		   (notified ? TRACE_F_NOTIFIED : 0) | (coalesced ? TRACE_F_COALESCED : 0),
		   v->se.trace_id, vector, load_relaxed(&v->pi.desc.control));
}
