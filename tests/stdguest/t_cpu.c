/*
 * CPUID and the MSRs a kernel touches, with the faults the SDM defines (Vol. 4 "Model-Specific
 * Registers", Vol. 2B WRMSR: #GP for reserved bits and non-canonical bases).  Checks whose
 * answer depends on a feature hold either way: the MSR works when CPUID offers the feature and
 * faults when it does not.  Where QEMU's TCG accepts what hardware refuses, the check is
 * skipped there with "TCG deviation" (docs/guests.md lists them) and asserted elsewhere.
 */
#include "tests/stdguest/kernel.h"

#define MSR_TSC		 0x10
#define MSR_APIC_BASE	 0x1b
#define MSR_MTRRCAP	 0xfe
#define MSR_SYSENTER_CS	 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE	 0x1a0
#define MSR_PAT		 0x277
#define MSR_EFER	 0xc0000080
#define MSR_STAR	 0xc0000081
#define MSR_LSTAR	 0xc0000082
#define MSR_CSTAR	 0xc0000083
#define MSR_SFMASK	 0xc0000084
#define MSR_FS_BASE	 0xc0000100
#define MSR_GS_BASE	 0xc0000101
#define MSR_KGS_BASE	 0xc0000102
#define MSR_TSC_AUX	 0xc0000103
#define PAT_RESET	 0x0007040600070406ull
#define NONCANON	 0x0000800000000000ull
#define GP		 13

static bool printable(const char *s, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~')
			return false;
	return true;
}

void test_cpuid(void)
{
	u32 r[4], r2[4], hv[4], ext[4], e1[4];
	char vendor[13];

	cpuid(0, 0, r);
	*(u32 *)vendor = r[1];
	*(u32 *)(vendor + 4) = r[3];
	*(u32 *)(vendor + 8) = r[2];
	vendor[12] = 0;
	report(r[0] >= 1 && printable(vendor, 12), "cpuid-vendor", "'%s', max leaf %#x", vendor,
	       r[0]);
	cpuid(1, 0, r);
	cpuid(1, 0, r2);
	report(r[0] == r2[0] && r[2] == r2[2] && r[3] == r2[3] && r[1] == r2[1], "cpuid-stable",
	       "leaf 1 reads the same twice");
	report((r[1] >> 24) == 0, "cpuid-apic-id", "the boot CPU's initial APIC ID is %u",
	       r[1] >> 24);
	report(!(r[2] & (1u << 5)), "cpuid-no-vmx", "VMX not offered (ECX %#x)", r[2]);
	report(r[2] & (1u << 31), "cpuid-hypervisor", "hypervisor bit set (ECX %#x)", r[2]);
	cpuid(0x40000000, 0, hv);
	report(hv[0] >= 0x40000000 && hv[0] < 0x40000100 && printable((const char *)&hv[1], 4),
	       "cpuid-hv-leaf", "max %#x", hv[0]);
	cpuid(0x80000000, 0, ext);
	cpuid(0x80000001, 0, e1);
	report(ext[0] >= 0x80000001 && (e1[3] & (1u << 29)), "cpuid-long-mode",
	       "max extended leaf %#x, LM %u", ext[0], (e1[3] >> 29) & 1);
}

/* TCG is QEMU's emulator: its hypervisor leaf says "TCGTCGTCGTCG". */
static bool is_tcg(void)
{
	u32 r[4];

	cpuid(0x40000000, 0, r);
	return r[1] == 0x54474354 && r[2] == 0x43544743 && r[3] == 0x47435447;
}

static void gp_check(const char *name, int vec, bool tcg_deviates, const char *what)
{
	if (vec != GP && tcg_deviates && is_tcg())
		report_skip(name, "TCG deviation: %s does not fault", what);
	else
		report(vec == GP, name, "%s: vector %d", what, vec);
}

/* Writes v, reads it back: the value must stay. */
static bool roundtrip(u32 msr, u64 v)
{
	u64 got = ~v;

	return wrmsr_safe(msr, v) < 0 && rdmsr_safe(msr, &got) < 0 && got == v;
}

static void test_efer_pat(void)
{
	u64 v = 0, old;
	int e;

	e = rdmsr_safe(MSR_EFER, &old);
	report(e < 0 && (old & 0x500) == 0x500, "msr-efer", "EFER %#lx: LME and LMA", old);
	report(roundtrip(MSR_EFER, old | 1) && roundtrip(MSR_EFER, old & ~1ull), "msr-efer-sce",
	       "EFER.SCE set and cleared");
	gp_check("msr-efer-reserved", wrmsr_safe(MSR_EFER, old | (1ull << 2)), true,
		 "EFER bit 2 (reserved)");
	e = rdmsr_safe(MSR_PAT, &v);
	report(e < 0 && v == PAT_RESET, "msr-pat-reset", "PAT %#lx", v);
	report(roundtrip(MSR_PAT, 0x0007010600070106ull) && roundtrip(MSR_PAT, PAT_RESET),
	       "msr-pat-rw", "a valid PAT reads back");
	gp_check("msr-pat-reserved", wrmsr_safe(MSR_PAT, 0x0007040600070402ull), true,
		 "PAT memory type 2 (reserved)");
	wrmsr_safe(MSR_PAT, PAT_RESET);
}

static void test_time(void)
{
	u64 a = 0, b = 0, aux = 0;
	u32 e1[4], tsc_aux;
	int e;

	e = rdmsr_safe(MSR_TSC, &a);
	e = e < 0 ? rdmsr_safe(MSR_TSC, &b) : e;
	if (e < 0 && b <= a && is_tcg())
		report_skip("msr-tsc", "TCG deviation: RDMSR IA32_TSC does not advance (%lu)", b);
	else
		report(e < 0 && b > a, "msr-tsc", "IA32_TSC advances (%lu then %lu)", a, b);
	cpuid(0x80000001, 0, e1);
	if (e1[3] & (1u << 27)) {
		asm volatile("rdtscp" : "=c"(tsc_aux) : : "rax", "rdx");
		report(roundtrip(MSR_TSC_AUX, 5) && ({
			       asm volatile("rdtscp" : "=c"(tsc_aux) : : "rax", "rdx");
			       tsc_aux == 5;
		       }),
		       "msr-tsc-aux", "RDTSCP offered: TSC_AUX 5 reads back, RDTSCP returns it");
	} else {
		gp_check("msr-tsc-aux", rdmsr_safe(MSR_TSC_AUX, &aux), true,
			 "without RDTSCP, RDMSR IA32_TSC_AUX");
	}
}

static void test_syscall_msrs(void)
{
	report(roundtrip(MSR_SYSENTER_CS, 0x10) && roundtrip(MSR_SYSENTER_ESP, 0x123456) &&
		       roundtrip(MSR_SYSENTER_EIP, 0x654321),
	       "msr-sysenter", "SYSENTER_CS/ESP/EIP read back");
	report(roundtrip(MSR_STAR, 0x0023001000000000ull) &&
		       roundtrip(MSR_LSTAR, 0xffffffff81000000ull) &&
		       roundtrip(MSR_CSTAR, 0xffffffff81000100ull) &&
		       roundtrip(MSR_SFMASK, 0x47700),
	       "msr-syscall", "STAR/LSTAR/CSTAR/SFMASK read back");
	gp_check("msr-lstar-noncanonical", wrmsr_safe(MSR_LSTAR, NONCANON), true,
		 "a non-canonical LSTAR");
	report(roundtrip(MSR_FS_BASE, 0x7f0000001000ull) && roundtrip(MSR_GS_BASE, 0x2000) &&
		       roundtrip(MSR_KGS_BASE, 0xffff800000000000ull),
	       "msr-fsgs", "FS/GS/KERNEL_GS_BASE read back");
	gp_check("msr-fs-noncanonical", wrmsr_safe(MSR_FS_BASE, NONCANON), true,
		 "a non-canonical FS_BASE");
	gp_check("msr-kgs-noncanonical", wrmsr_safe(MSR_KGS_BASE, NONCANON), true,
		 "a non-canonical KERNEL_GS_BASE");
	wrmsr_safe(MSR_FS_BASE, 0);
	wrmsr_safe(MSR_GS_BASE, 0);
}

void test_msr(void)
{
	u64 v = 0;
	int e;

	test_efer_pat();
	test_time();
	test_syscall_msrs();
	e = rdmsr_safe(MSR_MISC_ENABLE, &v);
	report(e < 0, "msr-misc-enable", "IA32_MISC_ENABLE %#lx", v);
	e = rdmsr_safe(MSR_MTRRCAP, &v);
	report(e < 0, "msr-mtrrcap", "IA32_MTRRCAP %#lx", v);
	e = rdmsr_safe(MSR_APIC_BASE, &v);
	report(e < 0 && (v & (1u << 8)) && (v & (1u << 11)), "msr-apic-base", "%#lx: BSP, enabled",
	       v);
	gp_check("msr-unknown-rd", rdmsr_safe(0x4b564dff, &v), true, "RDMSR of MSR 0x4b564dff");
	gp_check("msr-unknown-wr", wrmsr_safe(0x4b564dff, 1), true, "WRMSR of MSR 0x4b564dff");
}
