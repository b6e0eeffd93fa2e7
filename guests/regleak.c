/*
 * regleak: the guest of vmx-reg-leak (tests/emu/cases/iso_regs.c).  Two VMs of it share one
 * pCPU; each gets its own seed (ISO_OP_ROLE), and they take turns with HC_YIELD.  Each first
 * reads what a fresh vCPU must see (initial x87/SSE/AVX state, XCR0 = 1, zero debug registers
 * and SYSCALL/SWAPGS/RDTSCP MSRs), then writes values derived from its seed into everything the
 * VMCS does not hold (and DR7, which it holds only with the debug-controls), and after every
 * turn of the other VM checks that its values survived: a
 * value of the other VM's, or a lost one, is a FAIL line naming the register.
 *
 * XCR0 stays 1 for the first rounds; one VM turns AVX on early, the other only in its last
 * rounds: the upper halves of its YMM registers must then read as never written (zero), not as
 * the other VM's.
 */
#include "guests/isocpu.h"
#include "guests/lib.h"

#define ROUNDS 6

#define MSR_GS_BASE	   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_STAR	   0xc0000081
#define MSR_LSTAR	   0xc0000082
#define MSR_CSTAR	   0xc0000083
#define MSR_SFMASK	   0xc0000084
#define MSR_TSC_AUX	   0xc0000103
#define NMSRS		   6

static const u32 msrs[NMSRS] = {MSR_KERNEL_GS_BASE, MSR_STAR,	MSR_LSTAR,
				MSR_CSTAR,	    MSR_SFMASK, MSR_TSC_AUX};
static const char *const msr_names[NMSRS] = {"KERNEL_GS_BASE", "STAR",	 "LSTAR",
					     "CSTAR",	       "SFMASK", "TSC_AUX"};
static const char *const fresh_names[NMSRS] = {"fresh KERNEL_GS_BASE", "fresh STAR",
					       "fresh LSTAR",	       "fresh CSTAR",
					       "fresh SFMASK",	       "fresh TSC_AUX"};

static u8 fx[512] __attribute__((aligned(16)));
static u64 seed;
static bool avx, rdtscp, failed_once[40];
static u32 fails;

/* A value only this VM writes: the seed in the top byte, k below; canonical (bit 47 clear). */
static u64 pat(u32 k)
{
	return (seed << 40) | ((u64)k << 32) | (0x1000u * k + (u32)seed);
}

static void check(u32 id, bool ok, const char *what, u64 got, u64 want)
{
	if (ok || failed_once[id])
		return;
	failed_once[id] = true;
	fails++;
	g_report(false, "%s: %#lx, want %#lx", what, got, want);
}

static void fxsave_now(void)
{
	asm volatile("fxsave64 %0" : "=m"(fx));
}
static u64 fx64(u32 off)
{
	return *(u64 *)(fx + off);
}

static void set_xmm0(u64 lo, u64 hi)
{
	u64 v[2] = {lo, hi};
	asm volatile("movdqu %0, %%xmm0" : : "m"(v));
}
static void set_ymm0_high(u64 lo, u64 hi)
{
	u64 v[2] = {lo, hi};
	asm volatile("vinsertf128 $1, %0, %%ymm0, %%ymm0" : : "m"(v));
}
static void get_ymm0_high(u64 v[2])
{
	asm volatile("vextractf128 $1, %%ymm0, %0" : "=m"(*(u64(*)[2])v));
}
static u64 xgetbv0(void)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}
/* XSETBV is 3 bytes (0f 01 d1); returns whether it raised #GP. */
static bool xsetbv_faults(u32 xcr, u64 v)
{
	u32 before = g_faults_seen();

	g_expect_fault(13, 3);
	asm volatile("xsetbv" : : "c"(xcr), "a"((u32)v), "d"((u32)(v >> 32)));
	if (g_faults_seen() == before)
		return false;
	return true;
}
static u64 read_cr4(void)
{
	u64 v;
	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
/* MOV to CR4 is 3 bytes (0f 22 e0 with RAX); returns whether it raised #GP. */
static bool write_cr4_faults(u64 v)
{
	u32 before = g_faults_seen();

	g_expect_fault(13, 3);
	asm volatile("mov %0, %%cr4" : : "a"(v) : "memory");
	return g_faults_seen() != before;
}

static u64 get_dr(int n)
{
	u64 v = 0;
	switch (n) {
	case 0:
		asm volatile("mov %%dr0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%dr1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%dr2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%dr3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%dr6, %0" : "=r"(v));
		break;
	default:
		asm volatile("mov %%dr7, %0" : "=r"(v));
		break;
	}
	return v;
}
static void set_dr(int n, u64 v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%dr0" : : "r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%dr1" : : "r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%dr2" : : "r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%dr3" : : "r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%dr6" : : "r"(v));
		break;
	default:
		asm volatile("mov %0, %%dr7" : : "r"(v));
		break;
	}
}

/*
 * DR7: condition and length fields of this VM's own, no breakpoint enabled (L0-3 and G0-3 stay
 * clear, SDM Vol. 3B 18.2.4), so the value is only stored, never acted on.
 */
static u64 dr7_mine(void)
{
	return 0x400 | (seed & 1 ? 0x00550000u : 0x00ff0000u);
}

/* RDMSR that survives a #GP (the MSR not being the guest's): *gp tells. */
static u64 rdmsr_gp(u32 msr, bool *gp)
{
	u32 before = g_faults_seen(), lo = 0, hi = 0;

	g_expect_fault(13, 2);
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	*gp = g_faults_seen() != before;
	return ((u64)hi << 32) | lo;
}
static bool wrmsr_gp(u32 msr, u64 v)
{
	u32 before = g_faults_seen();

	g_expect_fault(13, 2);
	g_wrmsr(msr, v);
	return g_faults_seen() != before;
}

static u64 msr_value(u32 i)
{
	u64 v = pat(20 + i);

	if (msrs[i] == MSR_SFMASK || msrs[i] == MSR_TSC_AUX)
		return (u32)v; /* 32-bit MSRs */
	return v & 0x00007fffffffffffull;
}

/* What a vCPU that never ran must find (the reset/initial values, SDM Vol. 3A 10.1.1). */
static void check_fresh(void)
{
	bool gp;

	fxsave_now();
	check(0, *(u16 *)fx == 0x37f, "fresh x87 FCW", *(u16 *)fx, 0x37f);
	check(1, fx[4] == 0, "fresh x87 tags (abridged FTW, 0 = all empty)", fx[4], 0);
	check(2, *(u32 *)(fx + 24) == 0x1f80, "fresh MXCSR", *(u32 *)(fx + 24), 0x1f80);
	check(3, fx64(32) == 0 && fx64(40) == 0, "fresh ST0", fx64(32), 0);
	check(4, fx64(160) == 0 && fx64(168) == 0, "fresh XMM0 low", fx64(160), 0);
	for (int i = 0; i < 4; i++)
		check(5, get_dr(i) == 0, "fresh DR0-3", get_dr(i), 0);
	check(6, (get_dr(6) & 0xf) == 0, "fresh DR6 B0-B3", get_dr(6), 0xffff0ff0);
	check(32, get_dr(7) == 0x400, "fresh DR7", get_dr(7), 0x400);
	for (u32 i = 0; i < NMSRS; i++) {
		if (i == NMSRS - 1 && !rdtscp)
			continue;
		u64 v = rdmsr_gp(msrs[i], &gp);
		check(7 + i, !gp && v == 0, gp ? "RDMSR raised #GP" : fresh_names[i], v, 0);
	}
	/* SWAPGS: the GS base is now the KERNEL_GS_BASE we found; RDMSR GS_BASE exits */
	asm volatile("swapgs" ::: "memory");
	u64 kgs = rdmsr_gp(MSR_GS_BASE, &gp);
	asm volatile("swapgs" ::: "memory");
	check(13, !gp && kgs == 0, "fresh GS base after SWAPGS", kgs, 0);
	if (avx)
		check(14, xgetbv0() == 1, "fresh XCR0", xgetbv0(), 1);
}

/* This VM's values into every register it checks. */
static void write_mine(bool with_avx)
{
	u16 fcw = seed & 1 ? 0x077f : 0x0b7f; /* rounding control 01 or 10 */
	u32 mxcsr = seed & 1 ? 0x3f80 : 0x5f80;
	u64 v = pat(9);

	asm volatile("fninit; fldcw %0; fildq %1" : : "m"(fcw), "m"(v));
	asm volatile("ldmxcsr %0" : : "m"(mxcsr));
	set_xmm0(pat(1), pat(2));
	if (with_avx)
		set_ymm0_high(pat(3), pat(4));
	for (int i = 0; i < 4; i++)
		set_dr(i, pat(10 + i) & 0x00007fffffffffffull);
	set_dr(6, 0xffff0ff0u | (seed & 1 ? 0x5 : 0xa));
	set_dr(7, dr7_mine());
	for (u32 i = 0; i < NMSRS; i++)
		if (i < NMSRS - 1 || rdtscp)
			wrmsr_gp(msrs[i], msr_value(i));
}

static u8 st0_mine[10];

static void check_mine(bool with_avx, u64 xcr0)
{
	u16 fcw = seed & 1 ? 0x077f : 0x0b7f;
	u32 mxcsr = seed & 1 ? 0x3f80 : 0x5f80;
	bool gp;

	fxsave_now();
	check(16, *(u16 *)fx == fcw, "x87 FCW", *(u16 *)fx, fcw);
	check(17, *(u32 *)(fx + 24) == mxcsr, "MXCSR", *(u32 *)(fx + 24), mxcsr);
	bool st0_ok = true;
	for (int i = 0; i < 10; i++)
		st0_ok &= fx[32 + i] == st0_mine[i];
	check(18, st0_ok, "x87 ST0 (low 8 bytes)", fx64(32), *(u64 *)st0_mine);
	check(19, fx64(160) == pat(1) && fx64(168) == pat(2), "XMM0", fx64(160), pat(1));
	if (with_avx) {
		u64 h[2];
		get_ymm0_high(h);
		check(20, h[0] == pat(3) && h[1] == pat(4), "YMM0 high", h[0], pat(3));
	}
	if (avx)
		check(21, xgetbv0() == xcr0, "XCR0", xgetbv0(), xcr0);
	for (int i = 0; i < 4; i++)
		check(22, get_dr(i) == (pat(10 + i) & 0x00007fffffffffffull), "DR0-3", get_dr(i),
		      pat(10 + i) & 0x00007fffffffffffull);
	check(23, (get_dr(6) & 0xf) == (seed & 1 ? 0x5 : 0xa), "DR6 B0-B3", get_dr(6),
	      seed & 1 ? 0x5 : 0xa);
	check(33, get_dr(7) == dr7_mine(), "DR7", get_dr(7), dr7_mine());
	for (u32 i = 0; i < NMSRS; i++) {
		if (i == NMSRS - 1 && !rdtscp)
			continue;
		u64 v = rdmsr_gp(msrs[i], &gp);
		check(24 + i, !gp && v == msr_value(i), gp ? "RDMSR raised #GP" : msr_names[i], v,
		      msr_value(i));
	}
	asm volatile("swapgs" ::: "memory");
	u64 kgs = rdmsr_gp(MSR_GS_BASE, &gp);
	asm volatile("swapgs" ::: "memory");
	check(30, !gp && kgs == msr_value(0), "GS base after SWAPGS", kgs, msr_value(0));
	if (rdtscp) {
		u32 aux;
		asm volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
		check(31, aux == (u32)msr_value(NMSRS - 1), "RDTSCP's TSC_AUX", aux,
		      (u32)msr_value(NMSRS - 1));
	}
}

/* XSETBV's #GP conditions (exit_xsetbv.c) and CR4.PKE (exit_cr.c), from the guest's side. */
static void check_faults(void)
{
	u32 a, b, c, d;

	if (avx) {
		bool ok = xsetbv_faults(1, 1) && xsetbv_faults(0, 0) && xsetbv_faults(0, 5) &&
			  xsetbv_faults(0, 0x23) && xsetbv_faults(0, 0x203) &&
			  xsetbv_faults(0, 1ull << 32 | 3);
		g_report(ok && xgetbv0() == 7, "XSETBV: bad XCR index and invalid XCR0 raise #GP");
	}
	g_cpuid(7, &a, &b, &c, &d);
	g_report(!(c & (1u << 3)) && write_cr4_faults(read_cr4() | (1u << 22)),
		 "protection keys: CPUID.7:ECX.PKU clear, CR4.PKE raises #GP");
}

u64 guest_main(u64 index, u64 count)
{
	u32 a, b, c, d;
	u64 xcr0;

	seed = (u64)hc3(HC_TEST, ISO_OP_ROLE, 0, 0) >> 8;
	g_cpuid(1, &a, &b, &c, &d);
	avx = (c >> 26 & 1) && (c >> 28 & 1); /* XSAVE and AVX */
	g_cpuid(0x80000001u, &a, &b, &c, &d);
	rdtscp = d >> 27 & 1;
	if (avx) /* CR4.OSXSAVE: not a host-owned bit, no exit */
		asm volatile("mov %%cr4, %%rax; bts $18, %%rax; mov %%rax, %%cr4" ::: "rax");
	g_cpuid(1, &a, &b, &c, &d);
	g_printf("seed %#lx: avx %u rdtscp %u osxsave %u\n", seed, avx, rdtscp, c >> 27 & 1);

	/*
	 * Rounds 0-1 without XSETBV (x87, SSE, debug registers, MSRs); from round 2 the odd seed
	 * runs with XCR0 = x87|SSE|AVX, the even one only from round 4, after the other VM's
	 * upper YMM halves have been in the registers for a while: turning AVX on must show its
	 * own, never written (zero), not the other's.
	 */
	check_fresh();
	xcr0 = avx ? 1 : 0;
	write_mine(false);
	fxsave_now();
	for (int i = 0; i < 10; i++)
		st0_mine[i] = fx[32 + i];
	for (u32 r = 0; r < ROUNDS; r++) {
		hc0(HC_YIELD);
		check_mine(xcr0 == 7, xcr0);
		if (avx && xcr0 != 7 && r == (seed & 1 ? 1u : 3u)) {
			u64 h[2];
			xcr0 = 7;
			xsetbv_faults(0, xcr0);
			get_ymm0_high(h);
			check(15, h[0] == 0 && h[1] == 0, "YMM0 high, never written", h[0], 0);
			set_ymm0_high(pat(3), pat(4));
		}
	}
	check_faults();
	g_report(!fails, "seed %#lx: %u rounds, every register its own (%u registers wrong)", seed,
		 ROUNDS, fails);
	return 0;
}
