/*
 * CPUID exits (CPUID always exits in VMX non-root operation, SDM Vol. 3C 26.1.2).  The guest
 * sees an Intel CPU built from the host's, keeping only what pihv lets it use (docs/guests.md,
 * "CPUID"):
 *   - leaf 0: the host's vendor, max basic leaf at most 0xd;
 *   - leaf 1: the host's family/model, vCPU index as initial APIC ID, one logical processor;
 *     ECX/EDX through a whitelist: no VMX, SMX, MONITOR, PDCM (no PMU), DTES/DS, thermal or
 *     ACPI bits, no MCE/MCA (no machine-check MSRs); XSAVE, AVX, FMA, F16C as far as the XSAVE
 *     components pihv switches per vCPU go (arch/x86/xsave.h, vm/vcpu_ctx.c), OSXSAVE the
 *     guest's own CR4.OSXSAVE; x2APIC and TSC-deadline set (both LAPIC modes, vm/vapic.h); APIC
 *     (EDX[9]) follows the vCPU's IA32_APIC_BASE enable bit (SDM Vol. 3A 11.4.3); bit 31
 *     "hypervisor";
 *   - leaf 2: no descriptors; leaves 3-6, 8-0xc, 0xe-0x14: zero (no cache/topology/power/
 *     PMU/RDT/SGX/trace enumeration); leaf 0xd: only the XSAVE components pihv manages,
 *     without XSAVES;
 *   - leaves 0x15/0x16: the TSC's frequency as the host measured it, so that a guest needs no
 *     PIT to calibrate (Linux reads it, docs/linux.md); the crystal of leaf 0x15 is the TSC
 *     itself (ratio 1/1), which is also the rate the virtual LAPIC timer counts at
 *     (vm/vtimer.c);
 *   - leaf 7.0: a whitelist of instructions that run unchanged in guest mode (FSGSBASE, BMI,
 *     SMEP/SMAP, ERMS, RDSEED, ADX, CLFLUSHOPT, CLWB, SHA, UMIP, GFNI, MOVDIR*, FSRM, SERIALIZE;
 *     AVX2 and AVX-512 with their XSAVE components; INVPCID and RDPID only when their VMX
 *     controls are on); no protection keys, CET, AMX, WAITPKG (state not switched), no
 *     speculation-control MSRs (the host's, docs/isolation.md);
 *   - 0x40000000: pihv's leaf, "pihvpihvpihv", max 0x40000001; 0x40000001: vCPU index (EAX),
 *     vCPU count (EBX), paravirtual feature bits (ECX, vm/guest_abi.h);
 *   - 0x80000000-0x80000008: LAHF, LZCNT, PREFETCHW, SYSCALL, NX, 1 GiB pages, LM, RDTSCP
 *     (when enabled), brand string, invariant TSC, address sizes;
 *   - every other leaf reads as zeros.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "lib/compiler.h"
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "arch/x86/xsave.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* leaf 1 ECX: SSE3 PCLMUL SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE RDRAND PCID */
#define LEAF1_ECX_KEEP                                                                             \
	(BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(17) | BIT(19) | BIT(20) | BIT(22) | BIT(23) |    \
	 BIT(25) | BIT(26) | BIT(30))
#define LEAF1_ECX_SET	  (BIT(21) | BIT(24) | BIT(31)) /* x2APIC, TSC-deadline, hypervisor */
#define LEAF1_ECX_XSAVE	  BIT(26)
#define LEAF1_ECX_OSXSAVE BIT(27)
#define LEAF1_ECX_AVX	  (BIT(12) | BIT(28) | BIT(29)) /* FMA, AVX, F16C */
/* leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV PAT PSE36 CLFSH MMX FXSR SSE
 * SSE2 SS; APIC (9) as IA32_APIC_BASE.EN says */
#define LEAF1_EDX_KEEP                                                                             \
	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(11) |         \
	 BIT(12) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | BIT(25) | \
	 BIT(26) | BIT(27))
/* leaf 7.0 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS (INVPCID) RDSEED ADX SMAP CLFLUSHOPT CLWB SHA */
#define LEAF7_EBX_KEEP                                                                             \
	(BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(18) | BIT(19) | BIT(20) | BIT(23) |      \
	 BIT(24) | BIT(29))
#define LEAF7_EBX_INVPCID BIT(10)
#define LEAF7_EBX_AVX2	  BIT(5)
/* AVX512 F DQ IFMA CD BW VL; ECX: VBMI VBMI2 VNNI BITALG VPOPCNTDQ; EDX: VP2INTERSECT FP16 */
#define LEAF7_EBX_AVX512 (BIT(16) | BIT(17) | BIT(21) | BIT(28) | BIT(30) | BIT(31))
#define LEAF7_ECX_AVX512 (BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define LEAF7_EDX_AVX512 (BIT(8) | BIT(23))
/* leaf 7.0 ECX: UMIP GFNI (RDPID) MOVDIRI MOVDIR64B; EDX: FSRM SERIALIZE */
#define LEAF7_ECX_KEEP	(BIT(2) | BIT(8) | BIT(27) | BIT(28))
#define LEAF7_ECX_RDPID BIT(22)
#define LEAF7_EDX_KEEP	(BIT(4) | BIT(14))
/* 0x80000001 ECX: LAHF LZCNT PREFETCHW; EDX: SYSCALL NX 1GB-pages LM (RDTSCP) */
#define EXT1_ECX_KEEP	(BIT(0) | BIT(5) | BIT(8))
#define EXT1_EDX_KEEP	(BIT(11) | BIT(20) | BIT(26) | BIT(29))
#define EXT1_EDX_RDTSCP BIT(27)
#define EXT7_EDX_INVTSC BIT(8)
#define LEAF1_EDX_APIC	BIT(9)
#define LEAFD1_EAX_KEEP 0x7u /* XSAVEOPT, XSAVEC, XGETBV ECX=1; not XSAVES (no IA32_XSS) */
#define BASIC_MAX	0x16
#define EXT_MAX		0x80000008u

/*
 * Leaf 0xd, the XSAVE components (SDM Vol. 1 13.2): only those of xsave_mask().  Subleaf 0's
 * EBX is the size for the XCR0 in the register, which is the guest's while it runs, so it stays
 * the CPU's; ECX is the size for every offered component.
 */
static __attribute__((noinline)) struct cpuid_regs xsave_leaf(u32 sub)
{
	struct cpuid_regs r = {0, 0, 0, 0};
	u64 mask = xsave_mask();

	if (!mask)
		return r;
	if (sub == 0) {
		r = cpuid_count(0xd, 0);
		r.eax = (u32)mask;
		r.edx = (u32)(mask >> 32);
		r.ecx = xsave_size();
	} else if (sub == 1) {
		/*
		 * EBX: the compacted (XSAVEC) size for XCR0 | IA32_XSS.  XCR0 in the register is
		 * the guest's here and pihv leaves IA32_XSS 0, so the CPU's value is the guest's;
		 * a guest that uses XSAVEC sizes its buffers from it (Linux does).
		 */
		struct cpuid_regs hw = cpuid_count(0xd, 1);

		r.eax = hw.eax & LEAFD1_EAX_KEEP;
		r.ebx = hw.ebx;
	} else if (sub < 64 && (mask >> sub & 1)) {
		r = cpuid_count(0xd, sub);
	}
	return r;
}

/*
 * Feature bits that need XSAVE components: avx when pihv switches the AVX state, avx512 when
 * it switches the three AVX-512 ones too (xsave_mask(), arch/x86/xsave.h).
 */
static u32 xsave_keep(u32 avx, u32 avx512)
{
	u64 m = xsave_mask();
	u32 keep = 0;

	if (m & XSTATE_AVX)
		keep |= avx;
	if ((m & XSTATE_AVX512) == XSTATE_AVX512)
		keep |= avx512;
	return keep;
}

/*
 * Leaf 0x15 (SDM Vol. 2A CPUID 15H): TSC = crystal (ECX, Hz) * EBX / EAX.  The crystal is the
 * TSC itself, divided by a power of two only if it does not fit ECX (EBX then multiplies it
 * back); no frequency known yet: all zero ("not enumerated").
 */
static struct cpuid_regs tsc_leaf(void)
{
	u64 hz = timer_tsc_hz();
	struct cpuid_regs r = {0, 0, 0, 0};
	u32 mul = 1;

	if (!hz)
		return r;
	while (hz / mul > 0xffffffffu)
		mul <<= 1;
	r.eax = 1;
	r.ebx = mul;
	r.ecx = (u32)(hz / mul);
	return r;
}

static struct cpuid_regs basic(const struct vcpu *v, u32 leaf, u32 sub)
{
	const struct vmx_controls *c = vmx_get_controls();
	struct cpuid_regs r = {0, 0, 0, 0};

	switch (leaf) {
	case 0:
		r = cpuid(0);
		r.eax = MIN(r.eax, BASIC_MAX);
		break;
	case 1:
		r = cpuid(1);
		r.ebx = (r.ebx & 0xffff) | (1u << 16) | (v->index << 24);
		r.ecx = (r.ecx & (LEAF1_ECX_KEEP | xsave_keep(LEAF1_ECX_AVX, 0))) | LEAF1_ECX_SET;
		if (!xsave_mask())
			r.ecx &= ~LEAF1_ECX_XSAVE;
		else if (vmcs_readnat(GUEST_CR4) & CR4_OSXSAVE)
			r.ecx |= LEAF1_ECX_OSXSAVE; /* the guest's own CR4 bit */
		r.edx &= LEAF1_EDX_KEEP;
		if (v->lapic.base & APIC_BASE_EN)
			r.edx |= LEAF1_EDX_APIC;
		break;
	case 2:
		r.eax = 1; /* one iteration, no descriptors */
		break;
	case 7:
		if (sub)
			break;
		r = cpuid_count(7, 0);
		r.eax = 0; /* no further subleaves */
		r.ebx &= LEAF7_EBX_KEEP | (c->invpcid ? LEAF7_EBX_INVPCID : 0) |
			 xsave_keep(LEAF7_EBX_AVX2, LEAF7_EBX_AVX512);
		r.ecx &= LEAF7_ECX_KEEP | (c->rdtscp ? LEAF7_ECX_RDPID : 0) |
			 xsave_keep(0, LEAF7_ECX_AVX512);
		r.edx &= LEAF7_EDX_KEEP | xsave_keep(0, LEAF7_EDX_AVX512);
		break;
	case 0xd:
		r = xsave_leaf(sub);
		break;
	case 0x15:
		r = tsc_leaf();
		break;
	case 0x16:
		/* SDM Vol. 2A CPUID 16H: base, maximum and bus frequency in MHz, rounded */
		r.eax = r.ebx = r.ecx = (u32)((timer_tsc_hz() + 500000) / 1000000);
		break;
	}
	return r;
}

static struct cpuid_regs extended(u32 leaf)
{
	struct cpuid_regs r = {0, 0, 0, 0};

	if (leaf > EXT_MAX)
		return r;
	r = cpuid(leaf);
	switch (leaf) {
	case 0x80000000u:
		r.eax = MIN(r.eax, EXT_MAX);
		r.ebx = r.ecx = r.edx = 0;
		break;
	case 0x80000001u:
		r.ecx &= EXT1_ECX_KEEP;
		r.edx &= EXT1_EDX_KEEP | (vmx_get_controls()->rdtscp ? EXT1_EDX_RDTSCP : 0);
		r.eax = r.ebx = 0;
		break;
	case 0x80000002u:
	case 0x80000003u:
	case 0x80000004u:
		break; /* brand string */
	case 0x80000007u:
		r.eax = r.ebx = r.ecx = 0;
		r.edx &= EXT7_EDX_INVTSC;
		break;
	case 0x80000008u:
		r.eax &= 0xffff; /* physical and linear address bits */
		r.ebx = r.ecx = r.edx = 0;
		break;
	default:
		r.eax = r.ebx = r.ecx = r.edx = 0;
	}
	return r;
}

static struct cpuid_regs filter(const struct vcpu *v, u32 leaf, u32 sub)
{
	struct cpuid_regs r = {0, 0, 0, 0};

	if (leaf <= BASIC_MAX)
		return basic(v, leaf, sub);
	if (leaf >= 0x80000000u)
		return extended(leaf);
	if (leaf == PIHV_CPUID_BASE) {
		r.eax = PIHV_CPUID_BASE + 1;
		r.ebx = r.ecx = r.edx = 0x76686970; /* "pihv" */
	} else if (leaf == PIHV_CPUID_BASE + 1) {
		r.eax = v->index;
		r.ebx = v->vm->nr_vcpus;
		/* no virtual-interrupt delivery: EOI writes exit and are ignored, so skip them */
		r.ecx = vmx_get_controls()->vid ? 0 : PIHV_CPUID_PV_NO_EOI;
	}
	return r;
}

enum exit_action exit_cpuid(struct vcpu *v)
{
	struct cpuid_regs r = filter(v, (u32)v->regs.rax, (u32)v->regs.rcx);

	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
