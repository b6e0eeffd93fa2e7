/*
 * msrfirst: the guest of vmx-msr-first (tests/emu/cases/iso_msr.c).  Its first instructions,
 * before the runtime has even set up an IDT, write and read back the x2APIC ICR: an NMI to
 * APIC ID 1 (no vCPU of this one-vCPU VM; on the real APIC a host CPU; its own ID 0 would give
 * it a virtual NMI before it has an IDT, docs/vapic.md).  Every vCPU of every VM shares one
 * MSR bitmap, so four such VMs started together probe whether the bitmap is complete before the
 * first guest runs: one that is still zeroes lets the write through to the real APIC.  The
 * runtime then probes MSRs a guest must never reach: those pihv does not offer raise #GP, and
 * those a PC guest needs (vm/exit_msr.c) are the vCPU's own copy, never the host's register.
 */
#include "guests/isocpu.h"
#include "guests/lib.h"

u32 first_icr_lo, first_icr_hi;

asm(".section .text.first, \"ax\"\n"
    "	movl $0x830, %ecx\n"
    "	movl $0x400, %eax\n" /* delivery mode NMI (100b), vector 0 */
    "	movl $1, %edx\n"     /* destination x2APIC ID 1 */
    "	wrmsr\n"
    "	movl $0x830, %ecx\n"
    "	rdmsr\n"
    "	movl %eax, first_icr_lo(%rip)\n"
    "	movl %edx, first_icr_hi(%rip)\n"
    "	jmp _start\n"
    ".previous\n");

/* MSRs not offered: each access must raise #GP(0) in the guest (RDMSR/WRMSR are 2 bytes). */
static const struct {
	u32 msr;
	bool write;
	u64 val;
} owned[] = {
	{0x3a, true, 0x5},	  /* IA32_FEATURE_CONTROL */
	{0x48, true, 0x1},	  /* IA32_SPEC_CTRL: not the guest's (docs/isolation.md) */
	{0x49, true, 0x1},	  /* IA32_PRED_CMD */
	{0x10b, true, 0x1},	  /* IA32_FLUSH_CMD */
	{0x1a0, true, 0},	  /* IA32_MISC_ENABLE */
	{0x1d9, true, 0x1},	  /* IA32_DEBUGCTL */
	{0x480, false, 0},	  /* IA32_VMX_BASIC */
	{0x2ff, true, 0x7},	  /* IA32_MTRR_DEF_TYPE: type 7 is reserved */
	{0x1b, true, 0xfee00400}, /* IA32_APIC_BASE: x2APIC without enable, invalid */
	{0x802, true, 7},	  /* x2APIC ID: read-only */
	{0xc0000080, true, 0},	  /* EFER: leaving long mode */
};

u64 guest_main(u64 index, u64 count)
{
	u32 gp = 0;

	g_report(first_icr_lo == 0x400 && first_icr_hi == 1,
		 "first instruction: the ICR write was the virtual APIC's (reads back %#x:%#x)",
		 first_icr_hi, first_icr_lo);
	for (u32 i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		u32 before = g_faults_seen();

		g_expect_fault(13, 2);
		if (owned[i].write)
			g_wrmsr(owned[i].msr, owned[i].val);
		else
			(void)g_rdmsr(owned[i].msr);
		if (g_faults_seen() == before + 1)
			gp++;
		else
			g_report(false, "%s %#x did not raise #GP",
				 owned[i].write ? "WRMSR" : "RDMSR", owned[i].msr);
	}
	g_report(gp == sizeof(owned) / sizeof(owned[0]),
		 "%u accesses to MSRs not offered raised #GP", gp);
	/*
	 * MSRs a PC guest needs are emulated on the vCPU's own state: a write the host's
	 * register would take (the TSC back to 0, VMX on in FEATURE_CONTROL) does not reach it.
	 */
	u64 t0 = g_rdtsc();

	g_wrmsr(0x10, 0);
	g_report(g_rdtsc() >= t0, "WRMSR IA32_TSC 0 did not move the TSC back");
	g_report(g_rdmsr(0x3a) == 1, "IA32_FEATURE_CONTROL reads locked, VMX off (%#lx)",
		 g_rdmsr(0x3a));
	g_wrmsr(0x174, 0x8);
	g_wrmsr(0x2ff, 0);
	g_report(g_rdmsr(0x174) == 0x8 && g_rdmsr(0x2ff) == 0,
		 "SYSENTER_CS and MTRR_DEF_TYPE are the vCPU's (%#lx, %#lx)", g_rdmsr(0x174),
		 g_rdmsr(0x2ff));
	/* A fixed IPI with a vector no host CPU handles, to all but self: stays in the VM. */
	g_wrmsr(0x830, (3u << 18) | 0x99);
	/* The x2APIC's software-enable bit off: the virtual APIC's, not a host CPU's. */
	g_wrmsr(0x80f, 0xff);
	g_report(g_rdmsr(0x80f) == 0xff, "SVR write stayed in the virtual APIC");
	/* CPUID agrees: no IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAP, SSBD */
	u32 a, b, c, d;
	g_cpuid(7, &a, &b, &c, &d);
	g_report(!(d >> 26), "CPUID.7:EDX shows no speculation-control MSR (%#x)", d);
	return 0;
}
