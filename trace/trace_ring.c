/* The per-pCPU trace ring (trace_ring.h).  Pure C: only compiler atomics, no hardware. */
#include "trace/trace_ring.h"

void trace_ring_init(struct trace_ring *r, struct trace_rec *recs, u64 size)
{
	for (u64 i = 0; i < size; i++)
		recs[i].seq = 0;
	r->recs = recs;
	r->mask = size - 1;
	r->head = 0;
	r->dumped = 0;
}

void trace_ring_span(const struct trace_ring *r, u64 *from, u64 *to, u64 *dropped)
{
	u64 head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	u64 start = r->dumped, size = r->mask + 1;

	*dropped = 0;
	if (head - start > size) {
		*dropped = head - start - size;
		start = head - size;
	}
	*from = start;
	*to = head;
}

bool trace_ring_get(const struct trace_ring *r, u64 seq, struct trace_rec *out)
{
	const struct trace_rec *rec = &r->recs[seq & r->mask];
	u32 want = (u32)(seq + 1);

	if (__atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE) != want)
		return false;
	out->tsc = rec->tsc;
	out->type = rec->type;
	out->flags = rec->flags;
	out->vcpu = rec->vcpu;
	out->a = rec->a;
	out->b = rec->b;
	out->seq = want;
	/* The fields must be read before seq is read again (a writer may have started). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&rec->seq, __ATOMIC_RELAXED) == want;
}

void trace_ring_mark_dumped(struct trace_ring *r, u64 to)
{
	r->dumped = to;
}
