/*
 * Host implementation of pi/pi_env.h for the simulator.  Each call that touches memory another
 * agent can see first yields to the explorer (one preemption point), then does its operation
 * through the memory model (tso.c): loads and stores are x86-TSO accesses of the calling pCPU,
 * the locked operations empty its store buffer first and then work on memory.  CPU-local calls
 * (IRQ flag, cpu/APIC id, self-IPI) do not yield: no other agent can observe them, so
 * interleaving them would only multiply equivalent schedules.
 */
#include "lib/assert.h"
#include "pi/pi_env.h"
#include "tests/pi_sim/sim.h"

static struct sim_cpu *this_sim_cpu(void)
{
	struct sim_thread *t = sim_self();

	if (!t || t->cpu < 0)
		sim_fail("pi_env CPU call outside a simulated pCPU");
	return &sim.cpu[t->cpu];
}

/* A LOCK-prefixed instruction: it waits until this pCPU's earlier stores are in memory. */
static void locked(void)
{
	tso_drain(sim_this_cpu_or_agent());
}

/* On x86 an acquire load is a plain MOV: TSO never lets a load pass an earlier load. */
u64 pi_env_load64(const u64 *p)
{
	sim_yield("load64");
	return tso_load(sim_this_cpu_or_agent(), p, 8);
}

u32 pi_env_load32(const u32 *p)
{
	sim_yield("load32");
	return (u32)tso_load(sim_this_cpu_or_agent(), p, 4);
}

/* A release store is a plain MOV too: it enters the store buffer behind the earlier ones. */
void pi_env_store32(u32 *p, u32 v)
{
	sim_yield("store32");
	tso_store(sim_this_cpu_or_agent(), p, v, 4);
}

u64 pi_env_xchg64(u64 *p, u64 v)
{
	sim_yield("xchg64");
	locked();
	sim_count_ctl_write(p);
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

bool pi_env_cmpxchg64(u64 *p, u64 *expected, u64 desired)
{
	sim_yield("cmpxchg64");
	locked();
	sim_count_ctl_write(p);
	return __atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

bool pi_env_test_and_set_bit(u64 *word, unsigned int bit)
{
	ASSERT(bit < 64);
	sim_yield("test_and_set_bit");
	locked();
	sim_count_ctl_write(word);
	return __atomic_fetch_or(word, 1ull << bit, __ATOMIC_SEQ_CST) & (1ull << bit);
}

bool pi_env_test_and_clear_bit(u64 *word, unsigned int bit)
{
	ASSERT(bit < 64);
	sim_yield("test_and_clear_bit");
	locked();
	sim_count_ctl_write(word);
	return __atomic_fetch_and(word, ~(1ull << bit), __ATOMIC_SEQ_CST) & (1ull << bit);
}

/*
 * MFENCE.  Not a step of its own: it touches no memory, and its effect (this pCPU's stores
 * reach memory before its next load) is the same as if they had drained right after the
 * preceding step, which the explorer can also choose.
 */
void pi_env_mb(void)
{
	tso_drain(sim_this_cpu_or_agent());
}

void pi_env_lock_init(pi_lock_t *l)
{
	l->word = 0;
}

/*
 * word = owning cpu + 1.  Taking the lock is a locked cmpxchg: it drains this pCPU's buffer and
 * then needs the word free in memory (sim.c: a thread that finds it taken is not scheduled until
 * it is free as this pCPU sees it, which includes its own buffered unlock).
 */
void pi_env_lock(pi_lock_t *l)
{
	struct sim_cpu *c = this_sim_cpu();

	if (c->irq_on)
		sim_fail("pi lock taken with IRQs enabled (bug 9)");
	sim_wait(W_LOCK, l, 0, "lock");
	locked();
	ASSERT(l->word == 0);
	l->word = sim_self()->cpu + 1;
}

/* The kernel's unlock is a release store (vm/pi_env.c), so it is buffered like any store. */
void pi_env_unlock(pi_lock_t *l)
{
	int cpu;

	sim_yield("unlock");
	cpu = sim_self()->cpu;
	if (tso_load(cpu, &l->word, 4) != (u32)cpu + 1)
		sim_fail("pi lock released by cpu%d but held by %d", cpu,
			 (int)tso_load(cpu, &l->word, 4) - 1);
	tso_store(cpu, &l->word, 0, 4);
}

/* PUSHF; CLI and POPF do not serialize and do not drain the store buffer. */
unsigned long pi_env_irq_save(void)
{
	struct sim_cpu *c = this_sim_cpu();
	unsigned long was_on = c->irq_on;

	c->irq_on = false;
	return was_on;
}

void pi_env_irq_restore(unsigned long flags)
{
	struct sim_cpu *c = this_sim_cpu();

	c->irq_on = flags != 0;
	/* Interrupts that became pending meanwhile are taken right after STI. */
	if (c->irq_on)
		hw_deliver_pending(sim_self()->cpu);
}

bool pi_env_irqs_disabled(void)
{
	return !this_sim_cpu()->irq_on;
}

unsigned int pi_env_this_cpu(void)
{
	this_sim_cpu();
	return sim_self()->cpu;
}

u32 pi_env_apic_id(unsigned int cpu)
{
	return sim_apic_id(cpu);
}

/* The contract: stores made before the call are visible before the IPI (the kernel fences). */
void pi_env_send_ipi(u32 apic_id, u8 vector)
{
	int c = sim_cpu_of_apic(apic_id);

	sim_yield("send_ipi");
	tso_drain(sim_this_cpu_or_agent());
	if (c < 0) {
		sim_fail("IPI to unknown APIC id %#x", apic_id);
		return;
	}
	hw_raise(c, vector);
}

/* A self-IPI is seen by this pCPU only, which sees its own buffered stores: no drain. */
void pi_env_self_ipi(u8 vector)
{
	this_sim_cpu();
	hw_raise(sim_self()->cpu, vector);
}

/*
 * The scheduler's wake, modelled weaker than the kernel's sched_wake on purpose: a lockless
 * first look at the vCPU's state with a plain load and no barrier, then (only if it might need
 * waking) the run-queue lock, a locked instruction, and the real update.  pi_env.h does not
 * promise a barrier before that first look, so every ordering pi/ needs around a wake must come
 * from pi/ itself (pi_enable_posting's pi_env_mb); the kernel's lock would hide a missing one.
 */
void pi_env_wake(struct pi_vcpu *pv)
{
	int v = sim_vcpu_index(pv);
	struct sim_vcpu *sv = &sim.vcpu[v];
	struct sim_thread *t = sim_self();
	bool from_handler = t && t->cpu >= 0 && sim.cpu[t->cpu].in_handler;
	int cpu;
	u32 seen;

	sim_yield("wake");
	cpu = sim_this_cpu_or_agent();
	seen = (u32)tso_load(cpu, &sv->state, 4);
	if (seen != VS_BLOCKING && seen != VS_BLOCKED)
		return;
	tso_drain(cpu);
	switch (sv->state) {
	case VS_BLOCKING:
		/* Not switched out yet: cancel the block (prepare-to-wait rule). */
		sv->state = VS_LOADED;
		break;
	case VS_BLOCKED:
		if (!sv->halt_if) {
			if (from_handler)
				sim_fail("posted interrupt woke vCPU%d halted with IF=0 (bug 6)",
					 v);
			/* A kick: the vCPU would re-check, see IF=0, and halt again. */
			break;
		}
		sv->state = VS_RUNNABLE;
		break;
	default:
		break;
	}
}

void assert_fail(const char *file, int line, const char *expr)
{
	sim_fail("ASSERT(%s) failed at %s:%d", expr, file, line);
	/* sim_fail() never returns in a simulated thread; the explorer itself never asserts. */
	__builtin_trap();
}
