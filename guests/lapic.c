/*
 * lapic: the guest's LAPIC modes and registers (tests/emu/cases/lapic_cases.c).
 *
 * LA_ROLE_MODES walks x2APIC (the entry mode) -> disabled -> xAPIC -> x2APIC -> disabled ->
 * xAPIC, trying the invalid IA32_APIC_BASE writes on the way (SDM Vol. 3A 11.12.5: #GP), and in
 * each mode checks the registers a guest reads first (ID, version, LDR/DFR, SVR, TPR/PPR, ESR)
 * and the x2APIC MSR rules (read-only, write-only, reserved registers and bits: #GP).
 * LA_ROLE_SELFIPI sends itself an IPI with IF=0 in each way each mode has, then `sti; hlt`: the
 * HLT must find it pending and resume, never block (the host's counters, read with HC_TEST).
 */
#include "guests/apic.h"
#include "guests/lapic.h"
#include "guests/lib.h"

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

static u32 cpuid1_edx(void)
{
	u32 a, b, c, d;

	g_cpuid(1, &a, &b, &c, &d);
	return d;
}

/* Every #GP of the x2APIC MSR interface (11.12.1.2, table 11-6) that a guest could trip on. */
static void x2apic_gp_cases(void)
{
	/* ID, version, PPR, LDR, ISR, TMR, IRR, TMCCT */
	static const u32 ro[] = {0x802, 0x803, 0x80a, 0x80d, 0x810, 0x818, 0x820, 0x839};
	/* none, 0x804, APR, RRD, DFR (xAPIC only), CMCI (max LVT 5), ICR's high half, past 0x83f */
	static const u32 reserved[] = {0x800, 0x804, 0x809, 0x80c, 0x80e,
				       0x82f, 0x831, 0x840, 0x8ff};
	static const u32 icr_bits[] = {12, 13, 16, 17, 20, 31};
	u32 bad = 0, n = 0;
	u64 x;

	for (u32 i = 0; i < ARRAY_SIZE(ro); i++, n++)
		bad += !ga_wrmsr_gp(ro[i], 0);
	g_report(!bad, "x2APIC: WRMSR to %u read-only registers #GPs (%u did not)", n, bad);
	bad = n = 0;
	for (u32 i = 0; i < ARRAY_SIZE(reserved); i++, n += 2)
		bad += !ga_rdmsr_gp(reserved[i], &x) + !ga_wrmsr_gp(reserved[i], 0);
	bad += !ga_rdmsr_gp(X2APIC_MSR_EOI, &x) + !ga_rdmsr_gp(X2APIC_MSR_SELF_IPI, &x);
	g_report(!bad, "x2APIC: %u reserved accesses and reads of EOI/SELF IPI #GP (%u did not)",
		 n + 2, bad);
	bad = !ga_wrmsr_gp(X2APIC_MSR_EOI, 1) + !ga_wrmsr_gp(X2APIC_MSR_ESR, 1) +
	      !ga_wrmsr_gp(X2APIC_MSR_SELF_IPI, 0x140) + !ga_wrmsr_gp(X2APIC_MSR_TPR, 0x100) +
	      !ga_wrmsr_gp(X2APIC_MSR(APIC_REG_SVR), 1ull << 32);
	g_report(!bad,
		 "x2APIC: non-zero EOI/ESR, SELF IPI/TPR bits 31:8, SVR bit 32 #GP (%u did not)",
		 bad);
	bad = 0;
	for (u32 i = 0; i < ARRAY_SIZE(icr_bits); i++)
		bad += !ga_wrmsr_gp(X2APIC_MSR_ICR, (1ull << icr_bits[i]) | ICR_SELF | 0x41);
	g_report(!bad && !G_READ(g_irq_counts[0][0x41]),
		 "x2APIC: ICR reserved bits 12, 13, 16, 17, 20, 31 #GP, nothing sent (%u did not)",
		 bad);
}

/* ESR write-then-read (11.5.3) and illegal vectors (11.6.1): not sent, "send illegal vector". */
static void esr_cases(const char *m)
{
	u32 e0, e1, e2;

	ga_esr();
	ga_icr(0, 5); /* fixed, vector 5, to itself */
	e0 = ga_read(APIC_REG_ESR);
	e1 = ga_esr();
	e2 = ga_esr();
	g_report(e0 == 0 && e1 == 0x20 && e2 == 0,
		 "%s: vector 5 not sent; ESR %#x before the write, %#x after, %#x after the next",
		 m, e0, e1, e2);
	ga_icr(0, (1u << 18) | 2); /* self shorthand, vector 2 */
	e1 = ga_esr();
	g_report(e1 == 0x20 && !G_READ(g_irq_counts[0][2]), "%s: self-IPI vector 2: ESR %#x", m,
		 e1);
	if (ga_mode() == GA_X2APIC) {
		g_wrmsr(X2APIC_MSR_SELF_IPI, 3);
		e1 = ga_esr();
		g_report(e1 == 0x20, "x2APIC: SELF IPI vector 3: ESR %#x", e1);
	}
}

static void tpr_ppr(const char *m)
{
	ga_write(APIC_REG_TPR, 0x35);
	u32 tpr = ga_read(APIC_REG_TPR), ppr = ga_read(APIC_REG_PPR);
	ga_write(APIC_REG_TPR, 0);
	g_report(tpr == 0x35 && ppr == 0x35, "%s: TPR %#x, PPR %#x (want 0x35 both)", m, tpr, ppr);
}

/* Software disable masks the LVTs and keeps them masked (11.4.7.2). */
static void svr_cases(const char *m)
{
	ga_sw_enable();
	ga_write(APIC_REG_LVT_ERROR, 0x33);
	u32 on = ga_read(APIC_REG_LVT_ERROR);
	ga_write(APIC_REG_SVR, 0xff);
	u32 off = ga_read(APIC_REG_LVT_ERROR);
	ga_write(APIC_REG_LVT_ERROR, 0x33);
	u32 still = ga_read(APIC_REG_LVT_ERROR);
	ga_sw_enable();
	g_report(on == 0x33 && off == 0x10033 && still == 0x10033,
		 "%s: LVT error %#x enabled, %#x after SVR 0xff, %#x written while disabled", m, on,
		 off, still);
	ga_write(APIC_REG_LVT_ERROR, 0x10000);
}

static void modes(void)
{
	u64 base = g_rdmsr(MSR_IA32_APIC_BASE), x;
	u64 addr = APIC_BASE_DEFAULT | APIC_BASE_BSP;

	g_report(base == (addr | APIC_BASE_EN | APIC_BASE_EXTD) && (cpuid1_edx() >> 9 & 1),
		 "entry: IA32_APIC_BASE %#lx (x2APIC, BSP), CPUID.1:EDX[9] set", base);
	/* invalid transitions and values from x2APIC mode (11.12.5) */
	u32 bad = !!ga_set_base(addr | APIC_BASE_EN) + !!ga_set_base(addr | APIC_BASE_EXTD) +
		  !!ga_set_base(addr | APIC_BASE_EN | APIC_BASE_EXTD | (1u << 9)) +
		  !!ga_set_base(addr | APIC_BASE_EN | APIC_BASE_EXTD | 1) +
		  !!ga_set_base(0xfed00000 | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP) +
		  !!ga_set_base(addr | APIC_BASE_EN | APIC_BASE_EXTD | (1ull << 40));
	g_report(!bad && g_rdmsr(MSR_IA32_APIC_BASE) == base,
		 "x2APIC -> xAPIC, EXTD without EN, reserved bits 9/0/40, another base: all #GP "
		 "(%u did not)",
		 bad);
	g_report(ga_set_base(APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD) &&
			 g_rdmsr(MSR_IA32_APIC_BASE) == base,
		 "BSP flag read-only: cleared in a write, still reads %#lx",
		 g_rdmsr(MSR_IA32_APIC_BASE));
	g_report(ga_read(APIC_REG_ID) == 0 && ga_read(APIC_REG_VER) == 0x50014 &&
			 ga_read(APIC_REG_LDR) == 1,
		 "x2APIC: ID %#x, version %#x, LDR %#x", ga_read(APIC_REG_ID),
		 ga_read(APIC_REG_VER), ga_read(APIC_REG_LDR));
	x2apic_gp_cases();
	esr_cases("x2APIC");
	tpr_ppr("x2APIC");
	svr_cases("x2APIC");

	g_report(ga_to_disabled() && !(cpuid1_edx() >> 9 & 1),
		 "x2APIC -> disabled, CPUID.1:EDX[9] clear");
	bad = !ga_rdmsr_gp(X2APIC_MSR_ID, &x) + !ga_wrmsr_gp(X2APIC_MSR_ICR, 0x40) +
	      !ga_wrmsr_gp(X2APIC_MSR_TPR, 0);
	g_report(!bad, "disabled: x2APIC MSRs #GP (%u did not)", bad);
	g_report(!ga_to_x2apic(), "disabled -> x2APIC #GPs");

	ga_map_xapic();
	g_report(ga_to_xapic() && (cpuid1_edx() >> 9 & 1), "disabled -> xAPIC, CPUID.1:EDX[9] set");
	g_report(ga_read(APIC_REG_ID) == 0 && ga_read(APIC_REG_VER) == 0x50014 &&
			 ga_read(APIC_REG_SVR) == 0xff && ga_read(APIC_REG_DFR) == 0xffffffff &&
			 ga_read(APIC_REG_LDR) == 0 && ga_read(APIC_REG_LVT_TIMER) == 0x10000,
		 "xAPIC at reset: ID %#x version %#x SVR %#x DFR %#x LDR %#x LVT timer %#x",
		 ga_read(APIC_REG_ID), ga_read(APIC_REG_VER), ga_read(APIC_REG_SVR),
		 ga_read(APIC_REG_DFR), ga_read(APIC_REG_LDR), ga_read(APIC_REG_LVT_TIMER));
	bad = !ga_rdmsr_gp(X2APIC_MSR_ID, &x) + !ga_wrmsr_gp(X2APIC_MSR_EOI, 0);
	g_report(!bad, "xAPIC: x2APIC MSRs #GP (%u did not)", bad);
	ga_write(APIC_REG_ID, 0x05000000);
	ga_write(APIC_REG_VER, 0);
	ga_write(APIC_REG_LDR, 0x04000000 | 0xabc);
	ga_write(APIC_REG_DFR, 0x0fffffff);
	g_report(ga_read(APIC_REG_ID) == 0 && ga_read(APIC_REG_VER) == 0x50014 &&
			 ga_read(APIC_REG_LDR) == 0x04000000 && ga_read(APIC_REG_DFR) == 0x0fffffff,
		 "xAPIC: ID and version read-only, LDR %#x (bits 23:0 reserved), DFR %#x (cluster)",
		 ga_read(APIC_REG_LDR), ga_read(APIC_REG_DFR));
	ga_write(APIC_REG_DFR, 0xffffffff);
	g_report(ga_read(0x40) == 0 && ga_read(0x3c0) == 0 && ga_read(APIC_REG_TIMER_CCR) == 0,
		 "xAPIC: reserved offsets and an idle TMCCT read 0");
	esr_cases("xAPIC");
	tpr_ppr("xAPIC");
	svr_cases("xAPIC");

	g_report(ga_to_x2apic(), "xAPIC -> x2APIC");
	g_report(ga_read(APIC_REG_ID) == 0 && ga_read(APIC_REG_LDR) == 1 &&
			 ga_read(APIC_REG_SVR) == 0x1ff,
		 "x2APIC again: ID %#x, LDR %#x derived, SVR %#x kept", ga_read(APIC_REG_ID),
		 ga_read(APIC_REG_LDR), ga_read(APIC_REG_SVR));
	bool ok = ga_to_disabled() && ga_to_xapic();
	u32 svr = ga_read(APIC_REG_SVR);
	g_report(ok && svr == 0xff, "x2APIC -> disabled -> xAPIC: registers reset (SVR %#x)", svr);
	g_report(ga_to_disabled() && ga_to_xapic(), "xAPIC -> disabled -> xAPIC");
	g_report(ga_to_x2apic(), "back in x2APIC mode");
}

/*
 * One self-IPI with IF=0, then `sti; hlt`: delivered right after the HLT, which resumed at once
 * (hlt_pending + 1) and never blocked.
 */
static bool selfipi_hlt(const char *how, u32 vec, void (*send)(u32 vec))
{
	u64 b0 = (u64)test(LA_OP_STAT, 0, LA_STAT_BLOCKS);
	u64 p0 = (u64)test(LA_OP_STAT, 0, LA_STAT_HLT_PENDING);
	u32 n0 = G_READ(g_irq_counts[0][vec]);

	g_cli();
	send(vec);
	g_sti_hlt();
	g_cli();
	u32 got = G_READ(g_irq_counts[0][vec]) - n0;
	u64 blocks = (u64)test(LA_OP_STAT, 0, LA_STAT_BLOCKS) - b0;
	u64 pend = (u64)test(LA_OP_STAT, 0, LA_STAT_HLT_PENDING) - p0;
	return g_report(
		got == 1 && blocks == 0 && pend == 1,
		"%s self-IPI %#x, IF=0, `sti; hlt`: received %u, HLT resumed %lu, blocked %lu", how,
		vec, got, pend, blocks);
}

static void send_self_ipi_msr(u32 vec)
{
	g_wrmsr(X2APIC_MSR_SELF_IPI, vec);
}

static void send_shorthand(u32 vec)
{
	ga_icr(0, ICR_SELF | vec);
}

static void send_physical(u32 vec)
{
	ga_icr(0, vec);
}

static void send_all(u32 vec)
{
	ga_icr(0, ICR_ALL | vec);
}

static void selfipi(void)
{
	selfipi_hlt("x2APIC SELF IPI MSR", 0x70, send_self_ipi_msr);
	selfipi_hlt("x2APIC ICR shorthand", 0x71, send_shorthand);
	selfipi_hlt("x2APIC ICR physical", 0x72, send_physical);
	selfipi_hlt("x2APIC ICR all-including-self", 0x73, send_all);
	ga_map_xapic();
	bool ok = ga_to_disabled() && ga_to_xapic();
	g_report(ok, "x2APIC -> disabled -> xAPIC");
	if (!ok)
		return;
	ga_sw_enable();
	selfipi_hlt("xAPIC ICR shorthand", 0x74, send_shorthand);
	selfipi_hlt("xAPIC ICR physical", 0x75, send_physical);
	selfipi_hlt("xAPIC ICR all-including-self", 0x76, send_all);
	/* a pending interrupt masked by the TPR is not pending for HLT: it stays, and arrives
	 * when the TPR drops */
	ga_write(APIC_REG_TPR, 0x80);
	g_cli();
	send_shorthand(0x77);
	g_sti();
	for (volatile u32 i = 0; i < 1000; i++)
		;
	u32 masked = G_READ(g_irq_counts[0][0x77]);
	ga_write(APIC_REG_TPR, 0);
	for (volatile u32 i = 0; i < 1000 && !G_READ(g_irq_counts[0][0x77]); i++)
		;
	g_cli();
	g_report(masked == 0 && G_READ(g_irq_counts[0][0x77]) == 1,
		 "xAPIC: TPR 0x80 holds vector 0x77 (%u), TPR 0 lets it in (%u)", masked,
		 G_READ(g_irq_counts[0][0x77]));
}

u64 guest_main(u64 index, u64 count)
{
	long r = test(LA_OP_ROLE, 0, 0);

	switch (r & 0xff) {
	case LA_ROLE_MODES:
		modes();
		break;
	case LA_ROLE_SELFIPI:
		selfipi();
		break;
	}
	return 0;
}
