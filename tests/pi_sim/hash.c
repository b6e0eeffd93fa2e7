/*
 * State hashing for the exhaustive search (explore.c; docs/pi.md, "The simulator").
 *
 * Two runs that reach the same state have the same futures, so the second one can stop there.
 * "The same state" has to cover everything a future step reads:
 *   - shared memory: every descriptor, binding, posting flag and wakeup list, the pi locks;
 *   - the store buffers;
 *   - the simulated machine: pCPU and vCPU bookkeeping, the flags, the per-vector post and
 *     delivery counts;
 *   - each thread's continuation: its script position and wait, and its stack from the saved
 *     stack pointer up, which holds every local of pi/pi.c and of the simulator code it is in,
 *     and the callee-saved registers (sim.c pushes them there).
 * Left out are only the write totals, which no step and no check reads, so the statistics count
 * the explored runs, not all schedules.
 *
 * A stack slot that is not live (padding, an old spill) still goes into the hash; two equal
 * states may then hash differently and be explored twice, which costs time but never hides a
 * state.  Two different states hash equally only by a 64-bit collision.
 */
#include <stdint.h>

#include "tests/pi_sim/sim.h"

void *__asan_get_current_fake_stack(void) __attribute__((weak));

static u8 vectors[16]; /* the vectors the scenario posts */
static int nvectors;

/*
 * One word into the hash: a 64x64->128-bit multiply folded back to 64 bits mixes every input bit
 * into every output bit in one instruction; the constants are odd and have no structure.
 */
static inline __attribute__((always_inline)) u64 mix(u64 h, u64 w)
{
	unsigned __int128 m =
		(unsigned __int128)(h ^ w ^ 0xa0761d6478bd642full) * 0xe7037ed1a0b428dbull;

	return (u64)m ^ (u64)(m >> 64);
}

static inline u64 finish(u64 h)
{
	return mix(h, 0x8ebc6af09c88c6e3ull);
}

void hash_scenario_init(void)
{
	const struct sim_scenario *sc = sim.sc;
	int t, i, k;

	nvectors = 0;
	for (t = 0; t <= sc->ncpus; t++)
		for (i = 0; sc->script[t] && sc->script[t][i].op != A_END; i++) {
			const struct sim_action *a = &sc->script[t][i];

			if (a->op != A_POST && a->op != A_HWPOST)
				continue;
			for (k = 0; k < nvectors && vectors[k] != (u8)a->b; k++)
				;
			if (k == nvectors && nvectors < (int)ARRAY_SIZE(vectors))
				vectors[nvectors++] = (u8)a->b;
		}
}

/*
 * With ASan's use-after-return detection on, locals live in heap "fake frames" and the real
 * stack no longer holds a thread's state, so hashing it would be wrong: refuse.
 */
bool hash_usable(void)
{
	return !__asan_get_current_fake_stack || !__asan_get_current_fake_stack();
}

/*
 * Not instrumented: the stack holds ASan redzones of the frames on it, which are read too.  Four
 * independent lanes, so that the multiplies overlap instead of waiting for each other.
 */
__attribute__((no_sanitize_address)) u64 hash_stack(const void *sp, const void *top)
{
	const u64 *p = sp, *end = top;
	u64 h0 = (u64)(uintptr_t)sp, h1 = 1, h2 = 2, h3 = 3;

	for (; p + 4 <= end; p += 4) {
		h0 = mix(h0, p[0]);
		h1 = mix(h1, p[1]);
		h2 = mix(h2, p[2]);
		h3 = mix(h3, p[3]);
	}
	for (; p < end; p++)
		h0 = mix(h0, *p);
	return mix(mix(mix(h0, h1), h2), h3);
}

static inline __attribute__((always_inline)) u64 mix_ptr(u64 h, const void *p)
{
	return mix(h, (u64)(uintptr_t)p);
}

/* Not instrumented either: it reads only the simulator's own objects, once per step. */
__attribute__((no_sanitize_address)) u64 hash_world(int prev)
{
	u64 h = mix(0, (u64)(prev + 1));
	int v, c, i, k;

	for (v = 0; v < sim.sc->nvcpus; v++) {
		const struct sim_vcpu *sv = &sim.vcpu[v];

		for (i = 0; i < 4; i++)
			h = mix(h, sv->pv.desc.pir[i]);
		h = mix(h, sv->pv.desc.control);
		h = mix_ptr(h, sv->pv.wakeup_link.next);
		h = mix_ptr(h, sv->pv.wakeup_link.prev);
		h = mix(h, (u64)sv->pv.cpu << 32 | sv->pv.posting_enabled);
		h = mix(h, (u64)sv->state << 32 | (u64)sv->in_op << 16 | (u64)sv->irte << 8 |
				   (u64)sv->last_out_blocked << 1 | sv->halt_if);
		h = mix(h, (u64)(u32)sv->cpu << 32 | (u32)sv->last_cpu);
		h = mix(h, sv->entry_flags);
		for (i = 0; i < 4; i++)
			h = mix(h, sv->virr[i]);
		for (k = 0; k < nvectors; k++)
			h = mix(h, (u64)sv->posted[vectors[k]] << 8 | sv->delivered[vectors[k]]);
	}
	for (c = 0; c < sim.sc->ncpus; c++) {
		const struct sim_cpu *pc = &sim.cpu[c];
		const struct sim_sb *sb = &sim.sb[c];

		h = mix(h, (u64)pc->online | (u64)pc->irq_on << 1 | (u64)pc->in_guest << 2 |
				   (u64)pc->in_handler << 3 | (u64)pc->irr << 8 |
				   (u64)(u32)pc->vcpu << 32);
		h = mix(h, pi_cpus[c].lock.word);
		h = mix_ptr(h, pi_cpus[c].wakeup_list.next);
		h = mix_ptr(h, pi_cpus[c].wakeup_list.prev);
		h = mix(h, (u64)sb->n);
		for (i = 0; i < sb->n; i++) {
			h = mix_ptr(h, sb->e[i].addr);
			h = mix(h, sb->e[i].val);
		}
	}
	for (i = 0; i < SIM_MAX_FLAGS; i++)
		h = mix(h, sim.flags[i]);
	for (i = 0; i < sim.nthreads; i++) {
		const struct sim_thread *t = &sim.thr[i];

		h = mix(h, (u64)(u32)t->pc << 32 | (u64)t->wait << 16 | (u16)t->wait_arg);
		/* Statistics, but the wakeup handler saves them on the stack, which is hashed. */
		h = mix(h, (u64)t->trans << 32 | (u32)t->trans_writes);
		h = mix_ptr(h, t->wait_obj);
		h = mix_ptr(h, t->sp);
		h = mix(h, t->stack_hash);
	}
	return finish(h);
}
