/*
 * apstart: bringing up APs with INIT and SIPI (tests/emu/cases/lapic_start.c).  The VM is
 * created with vm->aps_wait_sipi: only vCPU 0 runs guest_main; vCPUs 1-3 wait for a SIPI
 * (vm/vcpu_start.h) and then run the 16-bit trampoline of guests/apboot.S into
 * guest_ap_main().
 *
 * LA_ROLE_AP_BSP, param LA_AP_*: from x2APIC (or xAPIC) mode, optionally first vCPU 1 alone
 * (INIT + SIPI to its physical ID; it checks its LAPIC after INIT and trades an IPI with vCPU 0;
 * INIT sends it back to wait-for-SIPI, a second SIPI starts it again), then the others with one
 * INIT and one SIPI to all-excluding-self.  LA_AP_BENCH prints the time from the INIT to the
 * last AP in 64-bit C code.
 */
#include "guests/apboot.h"
#include "guests/apic.h"
#include "guests/lapic.h"
#include "guests/lib.h"

#define LIMIT	 20000000ull
#define VEC_PING 0x90
#define VEC_PONG 0x91

static struct {
	u32 online[4]; /* times each AP reached guest_ap_main */
	u32 release1;  /* vCPU 1 may exit (else it spins until INIT) */
	u32 one;       /* LA_AP_ONE: vCPU 1 trades IPIs and waits for release1 */
	u32 ap_ok[4];  /* the AP's own checks passed */
} st;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

u8 ga_ap_vector(void)
{
	extern const char ap_boot[];

	return (u8)((u64)ap_boot >> 12);
}

void ga_ap_prepare(void)
{
	ga_ap_seen.stack_top0 = g_stack_top0();
}

void ap_entry(u64 index);
void ap_entry(u64 index)
{
	ga_ap_seen.tsc[index & 3] = g_rdtsc();
	g_idt_load();
	g_stat(HC_STAT_IRQ_COUNTS, (u64)&g_irq_counts[index & 3][0]);
	g_exit(guest_ap_main(index));
}

static bool wait_u32(u32 *p, u32 want)
{
	for (u64 end = g_rdtsc() + LIMIT; G_READ(*p) < want;)
		if (g_rdtsc() > end)
			return false;
	return true;
}

u64 guest_ap_main(u64 index)
{
	u32 me = (u32)index;
	u32 svr = ga_read(APIC_REG_SVR), lvt = ga_read(APIC_REG_LVT_TIMER);
	u64 base = g_rdmsr(MSR_IA32_APIC_BASE);

	/* after INIT: the LAPIC at its reset values in the mode it had, not the BSP */
	bool ok = svr == 0xff && lvt == 0x10000 && !(base & APIC_BASE_BSP) && (base & APIC_BASE_EN);
	g_report(ok, "AP %u in 64-bit C code: IA32_APIC_BASE %#lx, SVR %#x, LVT timer %#x", me,
		 base, svr, lvt);
	ga_sw_enable();
	__atomic_fetch_add(&st.online[me], 1, __ATOMIC_ACQ_REL);
	if (me != 1 || !G_READ(st.one))
		return 0;
	/* vCPU 1: trade IPIs with vCPU 0, then spin (IF=1) until released or INITed */
	g_sti();
	ok &= wait_u32(&g_irq_counts[1][VEC_PING], st.online[1]);
	ga_icr(0, VEC_PONG);
	st.ap_ok[1] += ok;
	while (!G_READ(st.release1))
		g_pause();
	g_cli();
	return 0;
}

static void start(u32 dest, u32 sh)
{
	ga_icr(dest, ICR_INIT | ICR_LEVEL_ASSERT | sh);
	ga_icr(dest, ICR_STARTUP | sh | ga_ap_vector());
}

static void bsp(u32 param)
{
	const char *m = param & LA_AP_XAPIC ? "xAPIC" : "x2APIC";
	u32 waiting = 0;

	for (u32 i = 1; i < 4; i++)
		waiting += test(LA_OP_STAT, i, LA_STAT_SE_STATE) == LA_SE_BLOCKED &&
			   test(LA_OP_STAT, i, LA_STAT_EXITS) == 0;
	g_report(waiting == 3, "APs 1-3 blocked waiting for a SIPI, never entered (%u)", waiting);
	if (param & LA_AP_XAPIC) {
		ga_map_xapic();
		ga_to_disabled();
		ga_to_xapic();
	}
	ga_sw_enable();
	ga_ap_prepare();
	g_sti();
	if (param & LA_AP_ONE) {
		st.one = 1;
		start(1, 0);
		bool up = wait_u32(&st.online[1], 1);
		g_report(up && ga_ap_seen.cs == (u16)ga_ap_vector() << 8 && ga_ap_seen.ip == 0 &&
				 ga_ap_seen.arrived == 1,
			 "%s INIT + SIPI to vCPU 1: real mode at CS %#x IP %#x, 64-bit C code", m,
			 ga_ap_seen.cs, ga_ap_seen.ip);
		ga_icr(1, VEC_PING);
		g_report(wait_u32(&g_irq_counts[0][VEC_PONG], 1), "vCPU 1 answered an IPI");
		ga_icr(1, ICR_INIT | ICR_LEVEL_ASSERT); /* back to wait-for-SIPI */
		u32 blocked = 0;
		for (u64 end = g_rdtsc() + LIMIT; !blocked && g_rdtsc() < end;)
			blocked = test(LA_OP_STAT, 1, LA_STAT_SE_STATE) == LA_SE_BLOCKED;
		ga_icr(1, ICR_STARTUP | ga_ap_vector());
		ga_icr(1, ICR_STARTUP | 0x01); /* a second SIPI (to 0x1000) is ignored (11.6.1) */
		up = wait_u32(&st.online[1], 2);
		g_report(blocked && up && ga_ap_seen.arrived == 2 &&
				 ga_ap_seen.cs == (u16)ga_ap_vector() << 8,
			 "INIT sent running vCPU 1 back to wait-for-SIPI; its next SIPI restarted "
			 "it");
		ga_icr(1, VEC_PING);
		wait_u32(&g_irq_counts[0][VEC_PONG], 2);
		__atomic_store_n(&st.release1, 1, __ATOMIC_RELEASE);
		for (u64 end = g_rdtsc() + LIMIT;
		     test(LA_OP_STAT, 1, LA_STAT_SE_STATE) != LA_SE_DEAD && g_rdtsc() < end;)
			g_pause(); /* vCPU 1 exited: the INIT below must not restart it */
	}
	u32 first = param & LA_AP_ONE ? 2 : 1, arrived0 = ga_ap_seen.arrived;
	u64 t0 = g_rdtsc();
	start(0, ICR_ALL_BUT_SELF); /* vCPU 1, if it exited, ignores both */
	bool all = true;
	for (u32 i = first; i < 4; i++)
		all &= wait_u32(&st.online[i], 1);
	u64 last = 0;
	for (u32 i = first; i < 4; i++)
		last = ga_ap_seen.tsc[i] > last ? ga_ap_seen.tsc[i] : last;
	g_report(all && ga_ap_seen.arrived == arrived0 + 4 - first,
		 "%s INIT + SIPI to all-excluding-self: APs %u-3 online after %lu ticks", m, first,
		 last - t0);
	if (param & LA_AP_BENCH)
		g_printf("BENCH: ap_bringup_%s %lu ticks\n",
			 param & LA_AP_XAPIC ? "xapic" : "x2apic", last - t0);
	if (param & LA_AP_ONE)
		g_report(st.ap_ok[1] == 2, "vCPU 1's checks passed in both of its starts");
	g_cli();
}

u64 guest_main(u64 index, u64 count)
{
	long r = test(LA_OP_ROLE, 0, 0);

	if ((r & 0xff) == LA_ROLE_AP_BSP)
		bsp((u32)(r >> 8));
	return 0;
}
