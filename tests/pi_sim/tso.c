/*
 * The memory model of the simulator (docs/pi.md "Memory ordering").
 *
 * x86-TSO (SDM Vol. 3A 9.2.2): every pCPU has a FIFO store buffer.  A store enters it; a load
 * returns the pCPU's own newest buffered store to that address, else memory; a locked
 * instruction or MFENCE first empties the buffer.  The only reordering another agent can see is
 * a store becoming visible after a later load of the same pCPU.  When a buffered store reaches
 * memory is the explorer's choice (explore.c: a "flush" step), so an exhaustive search covers
 * every point at which a store becomes visible.
 *
 * The objects themselves (pi_vcpu, pi_cpus[], sim_vcpu.state) hold the memory contents; buffers
 * hold what is not there yet.  Plain C stores in pi/pi.c (the wakeup lists, under a pi lock) reach
 * memory at once: every reader of a list holds its lock, and the unlock is a buffered store that
 * leaves the buffer after them, so a reader sees the same list either way.
 *
 * In SC mode (--sc) stores go straight to memory and nothing is ever buffered.
 */
#include <stdio.h>

#include "lib/assert.h"
#include "tests/pi_sim/sim.h"

int tso_deepest;

static u64 mem_read(const void *p, int size)
{
	if (size == 8)
		return __atomic_load_n((const u64 *)p, __ATOMIC_SEQ_CST);
	return __atomic_load_n((const u32 *)p, __ATOMIC_SEQ_CST);
}

static void mem_write(void *p, u64 v, int size)
{
	if (size == 8)
		__atomic_store_n((u64 *)p, v, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n((u32 *)p, (u32)v, __ATOMIC_SEQ_CST);
}

int sim_this_cpu_or_agent(void)
{
	struct sim_thread *t = sim_self();

	return t ? t->cpu : -1;
}

u64 tso_load(int cpu, const void *p, int size)
{
	int i;

	if (cpu >= 0)
		for (i = sim.sb[cpu].n - 1; i >= 0; i--)
			if (sim.sb[cpu].e[i].addr == p) {
				ASSERT(sim.sb[cpu].e[i].size == size);
				return sim.sb[cpu].e[i].val;
			}
	return mem_read(p, size);
}

void tso_flush_one(int cpu)
{
	struct sim_sb *sb = &sim.sb[cpu];
	int i;

	ASSERT(sb->n > 0);
	mem_write(sb->e[0].addr, sb->e[0].val, sb->e[0].size);
	for (i = 1; i < sb->n; i++)
		sb->e[i - 1] = sb->e[i];
	sb->n--;
	sb->e[sb->n] = (struct sim_sb_entry){0};
}

void tso_drain(int cpu)
{
	if (cpu >= 0)
		while (sim.sb[cpu].n)
			tso_flush_one(cpu);
}

void tso_store(int cpu, void *p, u64 v, int size)
{
	struct sim_sb *sb;

	if (!sim.tso || cpu < 0) {
		mem_write(p, v, size);
		return;
	}
	sb = &sim.sb[cpu];
	/* A full buffer stalls the store until its oldest entry has drained. */
	if (sb->n == SIM_SB_DEPTH)
		tso_flush_one(cpu);
	sb->e[sb->n++] = (struct sim_sb_entry){.addr = p, .val = v, .size = (u8)size};
	if (sb->n > tso_deepest)
		tso_deepest = sb->n;
}

/* "vCPU0.state=blocking", "cpu1.lock=0", ...: a buffered store, for traces. */
const char *tso_describe(const struct sim_sb_entry *e)
{
	static const char *const vs[] = {"runnable", "loaded", "blocking", "blocked"};
	static char buf[48];
	int v, c;

	for (v = 0; v < sim.sc->nvcpus; v++) {
		const struct sim_vcpu *sv = &sim.vcpu[v];

		if (e->addr == &sv->pv.cpu)
			snprintf(buf, sizeof(buf), "vCPU%d.cpu=%llu", v,
				 (unsigned long long)e->val);
		else if (e->addr == &sv->pv.posting_enabled)
			snprintf(buf, sizeof(buf), "vCPU%d.posting_enabled=%llu", v,
				 (unsigned long long)e->val);
		else if (e->addr == &sv->state)
			snprintf(buf, sizeof(buf), "vCPU%d.state=%s", v, vs[e->val & 3]);
		else
			continue;
		return buf;
	}
	for (c = 0; c < sim.sc->ncpus; c++)
		if (e->addr == &pi_cpus[c].lock.word) {
			snprintf(buf, sizeof(buf), "cpu%d.lock=%llu", c,
				 (unsigned long long)e->val);
			return buf;
		}
	return "?";
}
