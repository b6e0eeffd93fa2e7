/*
 * One trace record: the fixed 32-byte layout every pCPU's ring holds, the event types and what
 * each type keeps in its fields.  Pure: the kernel writes these, the host unit tests build them,
 * and scripts/trace2perfetto.py reads their text form (trace_fmt.h; docs/pi.md "Tracing").
 *
 * Field use per type (vcpu is a trace id from trace_vcpu_register, TRACE_NO_VCPU if none;
 * "ctl" is a posted-interrupt descriptor control word: ON bit 0, SN bit 1, NV 23:16, NDST 63:32):
 *
 *   type            flags                          vcpu     a                 b
 *   SWITCH_IN       -                              entity   -                 -
 *   SWITCH_OUT      BLOCKING PREEMPTED DEAD        entity   -                 -
 *   PI_LOAD         -                              vCPU     ctl before        ctl after
 *   PI_PUT          BLOCKING PREEMPTED GUEST_IF    vCPU     ctl before        ctl after
 *   POST            NOTIFIED COALESCED             target   vector            ctl after
 *   NOTIFY_IRQ      -                              -        -                 -
 *   WAKEUP_IRQ      END (clear: the handler starts) -       -                 -
 *   WAKE            WAS_BLOCKED (clear: a block     entity   its run queue     -
 *                   not yet switched out cancelled)
 *   BLOCK           -                              entity   -                 -
 *   POLL            END, HIT (with END)            vCPU     window (TSC)      -
 *   EXIT            -                              vCPU     raw exit reason   -
 *   MIGRATE         DEFERRED (applied at switch-out) entity source pCPU       target pCPU
 *   IDLE            END (clear: the pCPU halts)    -        -                 -
 *
 * The pCPU is the ring's: for POST that is the poster's pCPU.
 */
#ifndef TRACE_TRACE_REC_H
#define TRACE_TRACE_REC_H

#include "lib/compiler.h"
#include "lib/types.h"

enum trace_event {
	TRACE_EV_NONE, /* never written: a slot that holds no record */
	TRACE_EV_SWITCH_IN,
	TRACE_EV_SWITCH_OUT,
	TRACE_EV_PI_LOAD,
	TRACE_EV_PI_PUT,
	TRACE_EV_POST,
	TRACE_EV_NOTIFY_IRQ,
	TRACE_EV_WAKEUP_IRQ,
	TRACE_EV_WAKE,
	TRACE_EV_BLOCK,
	TRACE_EV_POLL,
	TRACE_EV_EXIT,
	TRACE_EV_MIGRATE,
	TRACE_EV_IDLE,
	TRACE_EV_COUNT,
};

/* flags, by type (see the table above) */
#define TRACE_F_BLOCKING    BIT(0) /* SWITCH_OUT, PI_PUT */
#define TRACE_F_PREEMPTED   BIT(1) /* SWITCH_OUT, PI_PUT */
#define TRACE_F_DEAD	    BIT(2) /* SWITCH_OUT */
#define TRACE_F_GUEST_IF    BIT(2) /* PI_PUT */
#define TRACE_F_NOTIFIED    BIT(0) /* POST */
#define TRACE_F_COALESCED   BIT(1) /* POST */
#define TRACE_F_END	    BIT(0) /* WAKEUP_IRQ, POLL, IDLE */
#define TRACE_F_HIT	    BIT(1) /* POLL */
#define TRACE_F_WAS_BLOCKED BIT(0) /* WAKE */
#define TRACE_F_DEFERRED    BIT(0) /* MIGRATE */

#define TRACE_NO_VCPU 0xffffu

/*
 * Explicit layout, no bitfields: the text form prints the fields one by one, so this layout is
 * never parsed byte-wise, but it fixes what a record costs (32 bytes, two per cache line).
 */
struct trace_rec {
	u64 tsc;  /* RDTSC when the event was recorded */
	u32 seq;  /* (u32)(slot sequence number + 1), stored last: 0 or a stale value = torn */
	u8 type;  /* enum trace_event */
	u8 flags; /* TRACE_F_*, by type */
	u16 vcpu; /* trace id of the vCPU, TRACE_NO_VCPU if none */
	u64 a, b; /* by type */
};

static_assert(sizeof(struct trace_rec) == 32, "a trace record is 32 bytes");
static_assert(offsetof(struct trace_rec, tsc) == 0, "tsc at 0");
static_assert(offsetof(struct trace_rec, seq) == 8, "seq at 8");
static_assert(offsetof(struct trace_rec, type) == 12, "type at 12");
static_assert(offsetof(struct trace_rec, flags) == 13, "flags at 13");
static_assert(offsetof(struct trace_rec, vcpu) == 14, "vcpu at 14");
static_assert(offsetof(struct trace_rec, a) == 16, "a at 16");
static_assert(offsetof(struct trace_rec, b) == 24, "b at 24");

#endif
