/*
 * The kernel implementation of pi/pi_env.h (the simulator's is tests/pi_sim/sim_env.c), the
 * PI_WAKEUP_VECTOR / PI_NOTIFY_VECTOR handlers and the per-pCPU init of pi/.
 *
 * Counting: every successful locked write to a descriptor control word is counted per pCPU and
 * per vCPU (vm/pi_stats.h): descriptors sit at offset 0 of their page-aligned struct vcpu
 * (Bochs, docs/emulators.md §9.1), so a control-word address identifies its vCPU.
 */
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "lib/assert.h"
#include "lib/initcall.h"
#include "lib/test_seam.h"
#include "arch/x86/percpu.h"
#include "kernel/sched.h"
#include "pi/pi.h"
#include "pi/pi_env.h"
#include "trace/trace.h"
#include "vm/pi_stats.h"
#include "vm/vcpu.h"

struct pi_pcpu_stats pi_pcpu_stats[MAX_CPUS];

static_assert(offsetof(struct vcpu, pi) == 0, "descriptor at offset 0 of a page-aligned vCPU");

/* The vCPU whose descriptor control word is p, or NULL for any other u64. */
static struct vcpu *ctl_owner(const u64 *p)
{
	if (((u64)p & 0xfff) != offsetof(struct pi_desc, control))
		return NULL;
	return (struct vcpu *)((u64)p & ~0xfffull);
}

static void count_ctl_write(const u64 *p)
{
	struct vcpu *v = ctl_owner(p);

	if (!v)
		return;
	pi_pcpu_stats[pcpu_id()].desc_writes++; /* this pCPU only: no atomic needed */
	fetch_add(&v->st.desc_writes, 1);	/* posters on any pCPU write it too */
}

u64 pi_env_load64(const u64 *p)
{
	return load_acquire(p);
}

u32 pi_env_load32(const u32 *p)
{
	return load_acquire(p);
}

void pi_env_store32(u32 *p, u32 v)
{
	store_release(p, v);
}

u64 pi_env_xchg64(u64 *p, u64 v)
{
	return xchg(p, v);
}

bool pi_env_cmpxchg64(u64 *p, u64 *expected, u64 desired)
{
	bool ok = cmpxchg(p, expected, desired);

	if (ok)
		count_ctl_write(p);
	return ok;
}

bool pi_env_test_and_set_bit(u64 *word, unsigned int bit)
{
	bool old = test_and_set_bit64(word, bit);

	if (!old)
		count_ctl_write(word);
	return old;
}

bool pi_env_test_and_clear_bit(u64 *word, unsigned int bit)
{
	bool old = test_and_clear_bit64(word, bit);

	if (old)
		count_ctl_write(word);
	return old;
}

void pi_env_mb(void)
{
	smp_mb();
}

/*
 * A test-and-set lock on the u32 word (pi/ protects one short list walk with it).  Taken only
 * with IRQs off (docs/pi.md, known bug 9): the wakeup handler takes it in IRQ context.  The holder
 * is recorded as cpu + 1 so that a recursive take is an assertion, not a hang.
 */
void pi_env_lock_init(pi_lock_t *l)
{
	store_release(&l->word, 0);
}

void pi_env_lock(pi_lock_t *l)
{
	/* A test's look at the lock path (lib/test_seam.h); NULL in the product. */
	void (*tp)(const void *, bool) = test_seam.pi_lock_point;
	u32 me = pcpu_id() + 1, free;

	ASSERT(!irq_enabled());
	ASSERT(load_relaxed(&l->word) != me);
	if (__builtin_expect(tp != NULL, 0))
		tp(l, false);
	for (;;) {
		free = 0;
		if (cmpxchg(&l->word, &free, me)) {
			if (__builtin_expect(tp != NULL, 0))
				tp(l, true);
			return;
		}
		while (load_relaxed(&l->word))
			cpu_relax();
	}
}

void pi_env_unlock(pi_lock_t *l)
{
	ASSERT(load_relaxed(&l->word) == pcpu_id() + 1);
	store_release(&l->word, 0);
}

unsigned long pi_env_irq_save(void)
{
	return irq_save();
}

void pi_env_irq_restore(unsigned long flags)
{
	irq_restore(flags);
}

bool pi_env_irqs_disabled(void)
{
	return !irq_enabled();
}

unsigned int pi_env_this_cpu(void)
{
	return pcpu_id();
}

u32 pi_env_apic_id(unsigned int cpu)
{
	return pcpu(cpu)->apic_id;
}

/* apic_send_ipi orders earlier stores before the ICR write (mfence; lfence in x2APIC mode). */
void pi_env_send_ipi(u32 apic_id, u8 vector)
{
	apic_send_ipi(apic_id, vector);
}

void pi_env_self_ipi(u8 vector)
{
	pi_pcpu_stats[pcpu_id()].self_ipis++;
	apic_self_ipi(vector);
}

/*
 * sched_wake() takes the run-queue lock of the vCPU; pi_put/pi_load run from the scheduler's
 * hooks after that lock is dropped (kernel/sched.c), so pi lock -> rq lock is the only order.
 * The rq lock acquisition is the full barrier the contract asks for.
 */
void pi_env_wake(struct pi_vcpu *pv)
{
	struct vcpu *v = container_of(pv, struct vcpu, pi);

	if (sched_wake(&v->se))
		fetch_add(&v->st.pi_wakes, 1);
}

/* WAKEUP: a blocked vCPU's notification (its NV was switched to this vector by pi_put). */
static void on_pi_wakeup(struct trap_frame *f)
{
	pi_pcpu_stats[pcpu_id()].wakeup_irqs++;
	/* the WAKE records between the two are the vCPUs it woke */
	TRACE(TRACE_EV_WAKEUP_IRQ, 0, TRACE_NO_VCPU, 0, 0);
	pi_wakeup_handler(pcpu_id());
	TRACE(TRACE_EV_WAKEUP_IRQ, TRACE_F_END, TRACE_NO_VCPU, 0, 0);
}

/*
 * NOTIFY taken in root mode: the notification for a vCPU that was running here when it was
 * sent, but we had exited meanwhile.  Nothing to do: pi_enter_guest() moves PIR to the vIRR
 * at the next entry (and without posted-interrupt processing, i.e. the fallback, this is how
 * every notification to a running vCPU ends up: as an exit, then the same sync).
 */
static void on_pi_notify(struct trap_frame *f)
{
	pi_pcpu_stats[pcpu_id()].notify_irqs++;
	TRACE(TRACE_EV_NOTIFY_IRQ, 0, TRACE_NO_VCPU, 0, 0);
}

static int pi_env_setup(void)
{
	for (u32 c = 0; c < MAX_CPUS; c++)
		pi_cpu_init(c);
	trap_register(PI_WAKEUP_VECTOR, on_pi_wakeup);
	trap_register(PI_NOTIFY_VECTOR, on_pi_notify);
	return 0;
}
INITCALL(INIT_EARLY, pi_env_setup);
