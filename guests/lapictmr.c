/*
 * lapictmr: the LAPIC timer (SDM Vol. 3A 11.5.4) in both LAPIC modes
 * (tests/emu/cases/lapic_cases.c, lapic-timer).  One count is `divide` TSC ticks (docs/vapic.md),
 * so the guest can check every expiry against its own RDTSC:
 *   one-shot: fires once, not before TMICT * divide, TMCCT counts down to 0;
 *   periodic: fires every period, and stops on TMICT = 0;
 *   TSC-deadline: TMICT is ignored, the deadline fires while the vCPU is halted, and reads 0 after;
 *   masked: counts, never interrupts, not even when unmasked after it ran out; divide by 2
 *   doubles the time; an illegal LVT vector is not
 *   delivered and sets ESR "receive illegal vector".
 */
#include "guests/apic.h"
#include "guests/lapic.h"
#include "guests/lib.h"

#define VEC	0x60
#define TICKS	20000u
#define LIMIT	(40ull * TICKS) /* every wait is bounded: a lost timer is a FAIL line */
#define PERIODS 5

static u32 got(void)
{
	return G_READ(g_irq_counts[0][VEC]);
}

/* IF=1 spin until the count passes n or the TSC passes end. */
static bool spin_for(u32 n, u64 end)
{
	g_sti();
	while (got() < n && g_rdtsc() < end)
		g_pause();
	g_cli();
	return got() >= n;
}

/* `sti; hlt` until the count passes n (the host wakes the vCPU at the deadline). */
static bool halt_for(u32 n, u64 end)
{
	g_cli();
	while (got() < n && g_rdtsc() < end) {
		g_sti_hlt();
		g_cli();
	}
	return got() >= n;
}

static void oneshot(const char *m)
{
	u32 n = got();

	ga_write(APIC_REG_TIMER_DCR, 0xb); /* divide by 1 */
	ga_write(APIC_REG_LVT_TIMER, VEC);
	u64 t0 = g_rdtsc();
	ga_write(APIC_REG_TIMER_ICR, TICKS);
	u32 c1 = ga_read(APIC_REG_TIMER_CCR);
	bool fired = spin_for(n + 1, t0 + LIMIT);
	u64 late = G_READ(g_irq_last_tsc[0]) - t0;
	u32 c2 = ga_read(APIC_REG_TIMER_CCR);
	spin_for(n + 2, g_rdtsc() + 4 * TICKS);
	g_report(fired && late >= TICKS && c1 > 0 && c1 <= TICKS && c2 == 0 && got() == n + 1,
		 "%s one-shot %u: fired once after %lu ticks, TMCCT %u then %u", m, TICKS, late, c1,
		 c2);
}

static void periodic(const char *m)
{
	u32 n = got();
	u64 t0, t[PERIODS];
	bool ok = true;

	ga_write(APIC_REG_LVT_TIMER, VEC | (1u << 17));
	t0 = g_rdtsc();
	ga_write(APIC_REG_TIMER_ICR, TICKS);
	for (u32 i = 0; i < PERIODS; i++) {
		ok &= halt_for(n + i + 1, g_rdtsc() + LIMIT);
		t[i] = G_READ(g_irq_last_tsc[0]);
	}
	ga_write(APIC_REG_TIMER_ICR, 0);
	u32 after = got();
	spin_for(after + 1, g_rdtsc() + 4 * TICKS);
	/* period boundaries are t0 + k * TICKS: each interrupt comes after its own */
	for (u32 i = 0; i < PERIODS; i++)
		ok &= t[i] >= t0 + (i + 1) * (u64)TICKS && (i == 0 || t[i] > t[i - 1]);
	g_report(ok && got() == after && after == n + PERIODS,
		 "%s periodic %u, halted between: %u interrupts at +%lu, +%lu ... +%lu; none after "
		 "TMICT = 0",
		 m, TICKS, after - n, t[0] - t0, t[1] - t0, t[PERIODS - 1] - t0);
}

static void deadline(const char *m)
{
	u32 n = got();

	ga_write(APIC_REG_LVT_TIMER, VEC | (2u << 17));
	ga_write(APIC_REG_TIMER_ICR, TICKS);
	u32 tmict = ga_read(APIC_REG_TIMER_ICR);
	u64 dl = g_rdtsc() + TICKS;
	g_wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	u64 armed = g_rdmsr(MSR_IA32_TSC_DEADLINE);
	bool fired = halt_for(n + 1, dl + LIMIT);
	u64 when = G_READ(g_irq_last_tsc[0]);
	g_report(fired && when >= dl && tmict == 0 && armed == dl &&
			 g_rdmsr(MSR_IA32_TSC_DEADLINE) == 0,
		 "%s TSC-deadline, halted: fired %lu ticks after the deadline; TMICT ignored (%u); "
		 "MSR read back, 0 once fired",
		 m, when - dl, tmict);
	/* outside TSC-deadline mode the MSR ignores writes and reads 0 (11.5.4.1) */
	ga_write(APIC_REG_LVT_TIMER, VEC);
	g_wrmsr(MSR_IA32_TSC_DEADLINE, g_rdtsc() + TICKS);
	g_report(g_rdmsr(MSR_IA32_TSC_DEADLINE) == 0 && !spin_for(n + 2, g_rdtsc() + 4 * TICKS),
		 "%s one-shot mode: IA32_TSC_DEADLINE ignored", m);
}

static void others(const char *m)
{
	u32 n = got();

	/* masked: counts down, no interrupt */
	ga_write(APIC_REG_LVT_TIMER, VEC | (1u << 16));
	ga_write(APIC_REG_TIMER_ICR, TICKS);
	u32 c1 = ga_read(APIC_REG_TIMER_CCR);
	bool fired = spin_for(n + 1, g_rdtsc() + 3 * TICKS);
	g_report(!fired && c1 > 0 && ga_read(APIC_REG_TIMER_CCR) == 0,
		 "%s masked one-shot: counted from %u to 0, no interrupt", m, c1);
	/* the count ran out while masked: unmasking it now delivers nothing (11.5.1) */
	ga_write(APIC_REG_LVT_TIMER, VEC);
	fired = spin_for(n + 1, g_rdtsc() + 2 * TICKS);
	g_report(!fired, "%s unmasking a one-shot that expired while masked: no interrupt", m);
	/* divide by 2 (TDCR 0): twice the ticks */
	ga_write(APIC_REG_TIMER_DCR, 0);
	ga_write(APIC_REG_LVT_TIMER, VEC);
	u64 t0 = g_rdtsc();
	ga_write(APIC_REG_TIMER_ICR, TICKS);
	fired = spin_for(n + 1, t0 + LIMIT);
	u64 late = G_READ(g_irq_last_tsc[0]) - t0;
	g_report(fired && late >= 2ull * TICKS, "%s divide by 2: fired after %lu ticks (>= %u)", m,
		 late, 2 * TICKS);
	ga_write(APIC_REG_TIMER_DCR, 0xb);
	/* an illegal vector: not delivered, ESR bit 6 (11.5.3) */
	ga_esr();
	ga_write(APIC_REG_LVT_TIMER, 9);
	ga_write(APIC_REG_TIMER_ICR, TICKS / 4);
	spin_for(~0u, g_rdtsc() + 2 * TICKS);
	u32 esr = ga_esr();
	g_report(esr == 0x40 && !G_READ(g_irq_counts[0][9]),
		 "%s LVT timer vector 9: not delivered, ESR %#x", m, esr);
	ga_write(APIC_REG_LVT_TIMER, 1u << 16);
}

static void suite(const char *m)
{
	ga_sw_enable();
	oneshot(m);
	periodic(m);
	deadline(m);
	others(m);
}

u64 guest_main(u64 index, u64 count)
{
	if ((hc3(HC_TEST, LA_OP_ROLE, 0, 0) & 0xff) != LA_ROLE_TIMER)
		return 0;
	suite("x2APIC");
	ga_map_xapic();
	ga_to_disabled();
	ga_to_xapic();
	suite("xAPIC");
	return 0;
}
