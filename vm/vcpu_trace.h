/*
 * The vCPU's trace points that need more than their arguments (trace/trace.h): pi_load and
 * pi_put with the descriptor's control word read before and after.  Called only when
 * trace_on() said so; the caller makes the plain call otherwise, so tracing off costs one
 * branch.  The two reads are snapshots: a poster may set ON in between.
 */
#ifndef VM_VCPU_TRACE_H
#define VM_VCPU_TRACE_H

#include "vm/vcpu.h"

/* pi_load(&v->pi, cpu), recorded as TRACE_EV_PI_LOAD. */
void vcpu_trace_pi_load(struct vcpu *v, u32 cpu);
/* pi_put(&v->pi, blocking, preempted, v->block_if), recorded as TRACE_EV_PI_PUT. */
void vcpu_trace_pi_put(struct vcpu *v, bool blocking, bool preempted);

#endif
