/*
 * A per-pCPU ring of trace records, overwritten oldest-first (a flight recorder: after a long
 * run or a panic the most recent events are the ones that explain it).  Pure C, host-tested
 * (tests/host/test_trace.c).
 *
 * No lock.  Only the owning pCPU writes a ring, but it may be interrupted by an IRQ handler
 * that writes the same ring: a slot is claimed with one atomic add on head, so the handler
 * takes the next slot and neither record is mixed with the other.  A reader (the dump at the
 * end of a run, when nothing writes, or a panic on another pCPU, when something may) checks
 * each record's seq before and after copying it, seqlock style, and skips a record that is
 * being written or was overwritten meanwhile ("torn").
 */
#ifndef TRACE_TRACE_RING_H
#define TRACE_TRACE_RING_H

#include "lib/types.h"
#include "trace/trace_rec.h"

struct trace_ring {
	struct trace_rec *recs; /* mask + 1 slots, a power of two; NULL: no ring */
	u64 mask;
	u64 head;   /* (atomic) sequence number of the next record; only this pCPU adds to it */
	u64 dumped; /* sequence number up to which a dump printed; written by the dumper only */
};

/* @pre recs has size slots, size a power of two >= 2. @post empty. */
void trace_ring_init(struct trace_ring *r, struct trace_rec *recs, u64 size);

/*
 * Appends one record, overwriting the oldest when full.  Interrupt-safe on the owning pCPU.
 * Inline: the kernel's trace_emit saves every register it uses, so it should use few.
 */
static inline void trace_ring_write(struct trace_ring *r, u64 tsc, u8 type, u8 flags, u16 vcpu,
				    u64 a, u64 b)
{
	/* The claim: an IRQ on this pCPU that traces from here on gets the next slot. */
	u64 seq = __atomic_fetch_add(&r->head, 1, __ATOMIC_RELAXED);
	struct trace_rec *rec = &r->recs[seq & r->mask];

	/* Invalidate first, so a concurrent reader never takes old fields for new ones. */
	__atomic_store_n(&rec->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rec->tsc = tsc;
	rec->type = type;
	rec->flags = flags;
	rec->vcpu = vcpu;
	rec->a = a;
	rec->b = b;
	__atomic_store_n(&rec->seq, (u32)(seq + 1), __ATOMIC_RELEASE);
}

/*
 * What a dump prints: sequence numbers [*from, *to) since the last trace_ring_mark_dumped,
 * and how many records of that span were overwritten before they could be printed (*dropped).
 */
void trace_ring_span(const struct trace_ring *r, u64 *from, u64 *to, u64 *dropped);

/* Copies record seq to *out.  @return false if it is torn (being written, or overwritten). */
bool trace_ring_get(const struct trace_ring *r, u64 seq, struct trace_rec *out);

/* The next span starts at to. */
void trace_ring_mark_dumped(struct trace_ring *r, u64 to);

#endif
