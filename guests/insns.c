/*
 * insns: the instructions a guest must not run natively (docs/vmx.md "Exits"): RDPMC (the PMU
 * is hidden: #GP), MONITOR and MWAIT (hidden in CPUID: #UD), WBINVD and INVD (no-ops here).
 * Each is tried and its outcome reported; the host test compares the exit counters.
 */
#include "guests/lib.h"

#define GP	     13
#define UD	     6
#define WBINVD_LOOPS 100

static bool faults(u8 vector, u8 len, void (*insn)(void))
{
	u32 before = g_faults_seen();

	g_expect_fault(vector, len);
	insn();
	if (g_faults_seen() == before) {
		g_expect_fault(0xff, 0); /* disarm: nothing else may be skipped */
		return false;
	}
	return true;
}

static void rdpmc(void)
{
	u32 lo, hi;

	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0)); /* 0f 33 */
}

static u8 monitor_line[64] __attribute__((aligned(64)));

static void monitor(void)
{
	asm volatile("monitor" : : "a"(monitor_line), "c"(0), "d"(0)); /* 0f 01 c8 */
}

static void mwait(void)
{
	asm volatile("mwait" : : "a"(0), "c"(0)); /* 0f 01 c9 */
}

u64 guest_main(u64 index, u64 count)
{
	u32 a, b, c, d;
	bool ud;

	g_cpuid(1, &a, &b, &c, &d);
	g_report(!(c & (1u << 3)), "CPUID.1:ECX.MONITOR[bit 3] is clear (ecx %#x)", c);
	g_cpuid(0xa, &a, &b, &c, &d);
	g_report(!(a & 0xff), "CPUID.0xA: no architectural PMU (version %u)", a & 0xff);
	g_report(faults(GP, 2, rdpmc), "RDPMC raises #GP");
	ud = faults(UD, 3, monitor);
	g_report(ud, "MONITOR raises #UD");
	/* MWAIT run natively would wait in guest mode: try it only where MONITOR is refused. */
	g_report(ud && faults(UD, 3, mwait), "MWAIT raises #UD");
	for (u32 i = 0; i < WBINVD_LOOPS; i++)
		asm volatile("wbinvd" ::: "memory");
	g_report(true, "WBINVD x %u returned", WBINVD_LOOPS);
	asm volatile("invd" ::: "memory");
	g_report(true, "INVD returned");
	return 0;
}
