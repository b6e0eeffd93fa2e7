/*
 * The vCPU's trace points that need more than their arguments (trace/trace.h): pi_load,
 * pi_put and pi_post with the descriptor's control word read before and/or after.  Called only
 * when trace_on() said so, instead of the plain call, so tracing off costs one branch and no
 * value has to be kept across the call for the record.  The reads are snapshots: a poster may
 * set ON in between.
 */
#ifndef VM_VCPU_TRACE_H
#define VM_VCPU_TRACE_H

#include "vm/vcpu.h"

/* pi_load(&v->pi, cpu), recorded as TRACE_EV_PI_LOAD. */
void vcpu_trace_pi_load(struct vcpu *v, u32 cpu);
/* pi_put(&v->pi, blocking, preempted, v->block_if), recorded as TRACE_EV_PI_PUT. */
void vcpu_trace_pi_put(struct vcpu *v, bool blocking, bool preempted);
/* vcpu_post's pi_post(&v->pi, vector) and notified count, recorded as TRACE_EV_POST. */
void vcpu_trace_post(struct vcpu *v, u8 vector, bool coalesced);

#endif
