/*
 * All-pairs IPIs: every CPU sends IPI_ROUNDS fixed IPIs to every other CPU, all CPUs at once,
 * and every receipt is counted per (receiver, sender).  IPIs of one vector to one target
 * coalesce while the first is pending in the IRR, so a sender owns the target's slot (its
 * lock) until the target's handler has consumed it: then each count must be exact.
 */
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/timer.h"
#include "arch/x86/trap.h"
#include "lib/config.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/smp_cases.h"

#define IPI_ROUNDS 20

/* slot_lock[t]: the sender that owns target t's slot; taken with IRQs on (we must keep
 * taking IPIs while we wait), never from the handler. */
static struct spinlock slot_lock[MAX_CPUS];
static u32 slot_from[MAX_CPUS];		 /* sender id + 1, 0 = consumed */
static u32 received[MAX_CPUS][MAX_CPUS]; /* [receiver][sender]; written by the receiver only */
static u32 stray[MAX_CPUS];
static u32 timeouts;

static void on_test_ipi(struct trap_frame *f)
{
	u32 me = pcpu_id();
	u32 from = load_acquire(&slot_from[me]);

	(void)f;
	if (!from) {
		stray[me]++;
		return;
	}
	received[me][from - 1]++;
	store_release(&slot_from[me], 0);
	apic_send_ipi(pcpu(from - 1)->apic_id, VEC_IPI_CALL); /* wake the halted sender */
}

static void watchdog(void)
{
	/* Only ends HLT now and then, so that a lost IPI shows up as a timeout, not a hang. */
}

static void sender(void *arg)
{
	u32 me = pcpu_id(), n = pcpu_count();

	(void)arg;
	timer_tick_set(timer_us_to_tsc(10000), watchdog);
	for (u32 r = 0; r < IPI_ROUNDS; r++) {
		for (u32 k = 1; k < n; k++) {
			u32 t = (me + k) % n; /* everyone starts on a different target */
			spin_lock(&slot_lock[t]);
			store_release(&slot_from[t], me + 1);
			apic_send_ipi(pcpu(t)->apic_id, VEC_IPI_TEST);
			u64 until = rdtsc() + timer_us_to_tsc(1000000);
			for (;;) {
				irq_disable();
				if (!load_acquire(&slot_from[t]))
					break;
				if ((s64)(rdtsc() - until) > 0) {
					fetch_add(&timeouts, 1);
					store_release(&slot_from[t], 0);
					break;
				}
				cpu_safe_halt(); /* emulated CPUs that spin steal host time */
			}
			irq_enable();
			spin_unlock(&slot_lock[t]);
		}
	}
	timer_tick_set(0, NULL);
}

void smp_case_ipi(void)
{
	u32 n = pcpu_count(), bad = 0;

	irq_enable(); /* the BSP runs tests with IRQs off; smp_call and timers need them */

	report_prefix_push("ipi");
	if (n < 2) {
		report_skip("one CPU: no pairs");
		report_prefix_pop();
		return;
	}
	for (u32 i = 0; i < MAX_CPUS; i++)
		spin_init(&slot_lock[i], "ipi-slot", 0);
	trap_register(VEC_IPI_TEST, on_test_ipi);
	u64 t0 = rdtsc();
	smp_call_all(sender, NULL);
	u64 t = rdtsc() - t0;
	for (u32 rx = 0; rx < n; rx++) {
		for (u32 tx = 0; tx < n; tx++) {
			u32 want = rx == tx ? 0 : IPI_ROUNDS;
			if (received[rx][tx] != want) {
				bad++;
				report(false, "cpu %u got %u IPIs from cpu %u, expected %u", rx,
				       received[rx][tx], tx, want);
			}
		}
		report(!stray[rx], "cpu %u: %u IPIs without a sender", rx, stray[rx]);
	}
	report(!timeouts, "no IPI waited for more than 1 s (%u did)", timeouts);
	report(!bad, "all %u ordered pairs: exactly %u IPIs each (%u IPIs in %lu us)", n * (n - 1),
	       IPI_ROUNDS, n * (n - 1) * IPI_ROUNDS, timer_tsc_to_us(t));
	report_prefix_pop();
}

static void smp_ipi(void)
{
	smp_case_ipi();
}
KTEST("smp-ipi", smp_ipi, "every CPU sends IPIs to every other; receipts counted exactly");
