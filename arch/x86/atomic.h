/*
 * Leaf header: named atomic operations with the memory order in the name.  No `volatile` for
 * synchronization anywhere in pihv: shared data goes through these (STYLE rule 6).
 */
#ifndef ARCH_X86_ATOMIC_H
#define ARCH_X86_ATOMIC_H

#include "lib/types.h"

#define load_acquire(p)	    __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define load_relaxed(p)	    __atomic_load_n((p), __ATOMIC_RELAXED)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define fetch_add(p, v)	    __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define fetch_or(p, v)	    __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define fetch_and(p, v)	    __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define xchg(p, v)	    __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
/* Strong compare-and-exchange; on failure *expected receives the current value. */
#define cmpxchg(p, expected, desired)                                                              \
	__atomic_compare_exchange_n((p), (expected), (desired), false, __ATOMIC_SEQ_CST,           \
				    __ATOMIC_SEQ_CST)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline bool test_and_set_bit64(u64 *word, unsigned int bit)
{
	return fetch_or(word, 1ull << bit) & (1ull << bit);
}
static inline bool test_and_clear_bit64(u64 *word, unsigned int bit)
{
	return fetch_and(word, ~(1ull << bit)) & (1ull << bit);
}

#endif
