/*
 * Spinlock stress: every CPU increments one shared counter under the lock, with a deliberately
 * non-atomic read-pause-write, so that any lost exclusion loses counts, and counts its own
 * increments privately: the shared total must equal the sum.  Each phase runs for LOCK_US of
 * TSC time rather than a fixed count: with more vCPUs than host cores (QEMU TCG, -smp 8 on two
 * cores) every ticket hand-off can wait for the host scheduler, and a fixed count would take
 * minutes.  Each CPU must get the lock at least LOCK_MIN times (FIFO: nobody starves).
 * Three phases: spin_lock, spin_lock_irqsave on an IRQ-safe lock, spin_trylock.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/timer.h"
#include "lib/compiler.h"
#include "lib/config.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/smp_cases.h"

#define LOCK_US	 100000
#define LOCK_MIN 10

/* Protects counter (phases 1 and 3); taken with IRQs on. */
static struct spinlock plain_lock = SPINLOCK_INIT("stress-plain", 0);
/* Protects counter (phase 2); IRQ-safe: only with IRQs off. */
static struct spinlock irq_lock = SPINLOCK_INIT("stress-irq", SPIN_IRQSAFE);
static u64 counter;
static u64 mine[MAX_CPUS];
static u64 lock_end;

static void bump(void)
{
	u64 v = load_relaxed(&counter);
	cpu_relax(); /* widen the window a broken lock would leave open */
	store_relaxed(&counter, v + 1);
}

static void phase_plain(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < LOCK_MIN || (s64)(rdtsc() - lock_end) < 0; i++) {
		spin_lock(&plain_lock);
		bump();
		spin_unlock(&plain_lock);
		mine[pcpu_id()]++;
	}
}

static void phase_irqsave(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < LOCK_MIN || (s64)(rdtsc() - lock_end) < 0; i++) {
		unsigned long f = spin_lock_irqsave(&irq_lock);
		bump();
		spin_unlock_irqrestore(&irq_lock, f);
		mine[pcpu_id()]++;
	}
}

static void phase_trylock(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < LOCK_MIN || (s64)(rdtsc() - lock_end) < 0; i++) {
		while (!spin_trylock(&plain_lock))
			cpu_relax();
		bump();
		spin_unlock(&plain_lock);
		mine[pcpu_id()]++;
	}
}

static void run(const char *name, smp_fn_t fn)
{
	u32 n = pcpu_count();
	u64 sum = 0, least = ~0ull, t0;

	store_relaxed(&counter, 0);
	for (u32 c = 0; c < n; c++)
		mine[c] = 0;
	t0 = rdtsc();
	lock_end = t0 + timer_us_to_tsc(LOCK_US);
	smp_call_all(fn, NULL);
	for (u32 c = 0; c < n; c++) {
		sum += mine[c];
		least = MIN(least, mine[c]);
	}
	report(load_relaxed(&counter) == sum && least >= LOCK_MIN,
	       "%s: counter %lu, sum of per-CPU counts %lu, fewest on one CPU %lu (%lu us)", name,
	       load_relaxed(&counter), sum, least, timer_tsc_to_us(rdtsc() - t0));
}

void smp_case_spinlock(void)
{
	irq_enable(); /* the BSP runs tests with IRQs off; smp_call and timers need them */
	report_prefix_push("spinlock");
	run("spin_lock", phase_plain);
	run("spin_lock_irqsave", phase_irqsave);
	run("spin_trylock", phase_trylock);
	report(!spin_is_held(&plain_lock) && !spin_is_held(&irq_lock), "locks released");
	report_prefix_pop();
}

static void smp_spinlock(void)
{
	smp_case_spinlock();
}
KTEST("smp-spinlock", smp_spinlock, "all CPUs increment a shared counter under a lock");
