/*
 * The adaptive halt-poll window, like KVM's halt_poll_ns: after each block the
 * window grows when the block was short enough that polling would have caught its wakeup, and
 * shrinks when it was longer.  Pure, host-tested (tests/host/test_halt_poll.c).
 */
#ifndef VMX_HALT_POLL_H
#define VMX_HALT_POLL_H

#include "lib/compiler.h"
#include "lib/types.h"

/*
 * The window (TSC ticks) after a block that lasted blocked_for, with max the VM's ceiling
 * (0: polling off, the window stays as it is).  Short block: double, at least max / 16 (so a
 * window that shrank to 0 starts again), at most max.  Long block: halve, down to 0 (no polling
 * until short blocks come back).
 */
static inline u64 halt_poll_next(u64 cur, u64 max, u64 blocked_for)
{
	if (!max)
		return cur;
	if (blocked_for <= max)
		return MIN(max, MAX(cur * 2, max / 16));
	return cur / 2;
}

#endif
