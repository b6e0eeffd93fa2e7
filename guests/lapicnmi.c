/*
 * lapicnmi: NMI IPIs (ICR delivery mode 100b, SDM Vol. 3A 11.6.1) in both LAPIC modes
 * (tests/emu/cases/lapic_cases.c, lapic-nmi).  vCPU 0 sends, vCPU 1 is the other target; the
 * phases are a shared word.  Checked: an NMI to itself arrives right after the ICR write, with
 * IF=0 too; a second NMI sent from inside the NMI handler waits for its IRET (blocking by NMI,
 * virtual NMIs and NMI-window exiting on the host side); an NMI reaches vCPU 1 running with
 * IF=1, halted in `sti; hlt`, and halted in `cli; hlt` (an NMI ends HLT whatever IF says).
 */
#include "guests/apic.h"
#include "guests/lapic.h"
#include "guests/lib.h"

#define LIMIT 4000000ull /* TSC ticks: every wait is bounded */

enum { PH_START, PH_SPIN, PH_HLT, PH_CLI_HLT, PH_XAPIC, PH_DONE };

static struct {
	u32 phase, acked; /* vCPU 1 acknowledges each phase */
	u32 woke_cli;	  /* vCPU 1 came out of `cli; hlt` */
	u32 nest_inside;  /* NMI count seen inside the handler after the nested send */
	bool nest;
} sh;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

static bool wait_nmis(u32 who, u32 n)
{
	u64 end = g_rdtsc() + LIMIT;

	while (G_READ(g_nmi_counts[who]) < n && g_rdtsc() < end)
		g_pause();
	return G_READ(g_nmi_counts[who]) >= n;
}

static void set_phase(u32 p)
{
	u64 end = g_rdtsc() + LIMIT;

	__atomic_store_n(&sh.phase, p, __ATOMIC_RELEASE);
	while (G_READ(sh.acked) != p && g_rdtsc() < end)
		g_pause();
}

static void wait_blocked(u32 idx)
{
	u64 end = g_rdtsc() + LIMIT;

	while (test(LA_OP_STAT, idx, LA_STAT_SE_STATE) != LA_SE_BLOCKED && g_rdtsc() < end)
		for (volatile u32 i = 0; i < 2000; i++)
			;
}

/* In the first NMI's handler: send another to itself; it must wait for this handler's IRET. */
static void nest_hook(u32 me)
{
	if (me != 0 || !sh.nest)
		return;
	sh.nest = false;
	ga_icr(0, ICR_NMI | ICR_SELF);
	for (volatile u32 i = 0; i < 20000; i++)
		;
	sh.nest_inside = G_READ(g_nmi_counts[0]);
}

static void sender(const char *m, bool first)
{
	u32 n = G_READ(g_nmi_counts[0]);

	ga_icr(0, ICR_NMI | ICR_SELF);
	g_report(G_READ(g_nmi_counts[0]) == n + 1,
		 "%s: NMI to itself (shorthand) arrived with the "
		 "re-entry",
		 m);
	g_cli();
	ga_icr(0, ICR_NMI); /* physical, to ID 0 */
	g_report(G_READ(g_nmi_counts[0]) == n + 2, "%s: NMI to itself with IF=0 arrived", m);
	sh.nest = true;
	ga_icr(0, ICR_NMI | ICR_SELF);
	wait_nmis(0, n + 4);
	g_report(sh.nest_inside == n + 3 && G_READ(g_nmi_counts[0]) == n + 4,
		 "%s: an NMI sent inside the NMI handler waited for its IRET (%u inside, %u after)",
		 m, sh.nest_inside - n - 2, G_READ(g_nmi_counts[0]) - n - 2);

	u32 t = G_READ(g_nmi_counts[1]);
	set_phase(PH_SPIN);
	ga_icr(1, ICR_NMI);
	g_report(wait_nmis(1, t + 1), "%s: NMI to vCPU 1 spinning with IF=1", m);
	set_phase(PH_HLT);
	wait_blocked(1);
	ga_icr(1, ICR_NMI);
	g_report(wait_nmis(1, t + 2), "%s: NMI to vCPU 1 blocked in `sti; hlt`", m);
	set_phase(PH_CLI_HLT);
	wait_blocked(1);
	ga_icr(0, ICR_NMI | ICR_ALL_BUT_SELF);
	g_report(wait_nmis(1, t + 3) && G_READ(g_nmi_counts[0]) == n + 4,
		 "%s: NMI to all-but-self woke vCPU 1 from `cli; hlt` (vCPU 0 got none)", m);
	if (first) {
		ga_map_xapic(); /* before vCPU 1 touches 0xfee00000 */
		set_phase(PH_XAPIC);
	}
}

static void target(void)
{
	u32 p, done = 0;

	g_sti();
	for (;;) {
		while ((p = G_READ(sh.phase)) == done)
			g_pause();
		if (p == PH_HLT) {
			__atomic_store_n(&sh.acked, p, __ATOMIC_RELEASE);
			u32 n = G_READ(g_nmi_counts[1]);
			while (G_READ(g_nmi_counts[1]) == n)
				g_sti_hlt();
		} else if (p == PH_CLI_HLT) {
			g_cli();
			__atomic_store_n(&sh.acked, p, __ATOMIC_RELEASE);
			g_hlt();
			sh.woke_cli = 1;
			g_sti();
		} else if (p == PH_XAPIC) {
			ga_to_disabled();
			ga_to_xapic();
			ga_sw_enable();
			__atomic_store_n(&sh.acked, p, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&sh.acked, p, __ATOMIC_RELEASE);
		}
		done = p;
		if (p == PH_DONE)
			return;
	}
}

u64 guest_main(u64 index, u64 count)
{
	long r = hc3(HC_TEST, LA_OP_ROLE, 0, 0) & 0xff;

	if (r == LA_ROLE_NMI_TARGET) {
		target();
		return 0;
	}
	if (r != LA_ROLE_NMI_SENDER)
		return 0;
	g_nmi_hook = nest_hook;
	g_sti();
	sender("x2APIC", true);
	ga_to_disabled();
	ga_to_xapic();
	ga_sw_enable();
	g_sti();
	sender("xAPIC", false);
	g_report(sh.woke_cli, "vCPU 1 ran on after its `cli; hlt`");
	set_phase(PH_DONE);
	return 0;
}
