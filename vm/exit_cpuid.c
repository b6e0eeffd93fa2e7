/*
 * CPUID exits (CPUID always exits in VMX non-root operation, SDM Vol. 3C 26.1.2).  The guest
 * sees a defined, filtered view of the host CPU, not the host itself:
 *   - basic leaves 0, 1, 7 and 0xd pass through, with features the guest cannot use removed
 *     (VMX, SMX, MONITOR, PDCM, thermal/ACPI; protection keys, AMX, CET, WAITPKG, whose state
 *     pihv does not switch between vCPUs or whose MSRs raise #GP; the speculation-control
 *     MSRs, which are the host's) and CPUID.1:ECX[31]
 *     "hypervisor present" set; CPUID.1:ECX[27] OSXSAVE is the guest's own CR4.OSXSAVE; leaf
 *     0xd lists only the XSAVE components pihv manages (arch/x86/xsave.h), without XSAVES;
 *     x2APIC and TSC-deadline are on (vm/vapic.h: both LAPIC modes), EDX[9] "APIC" follows the
 *     vCPU's IA32_APIC_BASE enable bit (SDM Vol. 3A 11.4.3); leaf 1 reports the vCPU index
 *     as the initial APIC id and one logical processor;
 *   - leaf 0x40000000 is pihv's: max hypervisor leaf and "pihvpihvpihv"; 0x40000001 returns
 *     the vCPU index (EAX), the VM's vCPU count (EBX) and paravirtual feature bits (ECX,
 *     vm/guest_abi.h);
 *   - extended leaves up to 0x80000008 pass through;
 *   - every other leaf (cache/topology/power/perfmon...) reads as zeros.
 */
#include "arch/x86/cpu.h"
#include "lib/compiler.h"
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "arch/x86/xsave.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define LEAF1_ECX_HIDE	     ((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 15))
#define LEAF1_ECX_APIC	     ((1u << 21) | (1u << 24)) /* x2APIC, TSC-deadline */
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_ECX_OSXSAVE    (1u << 27)
/* 7.0: PKU, OSPKE, WAITPKG, CET_SS, RDPID (22, only with "enable RDTSCP"), PKS */
#define LEAF7_ECX_HIDE	((1u << 3) | (1u << 4) | (1u << 5) | (1u << 7) | (1u << 31))
#define LEAF7_ECX_RDPID (1u << 22)
/*
 * 7.0: AMX-BF16, CET_IBT, AMX-TILE, AMX-INT8; and the speculation-control MSRs (IBRS/IBPB,
 * STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD), which are the host's: a guest
 * access raises #GP (docs/isolation.md).  MD_CLEAR stays: VERW is an instruction, it works.
 */
#define LEAF7_EDX_HIDE	((1u << 20) | (1u << 22) | (1u << 24) | (1u << 25) | (0x3fu << 26))
#define LEAFD1_EAX_KEEP 0x7u /* XSAVEOPT, XSAVEC, XGETBV ECX=1; not XSAVES (no IA32_XSS) */
#define EXT1_EDX_RDTSCP (1u << 27)
#define LEAF1_EDX_HIDE	((1u << 22) | (1u << 28) | (1u << 29) | (1u << 31))
#define LEAF1_EDX_APIC	(1u << 9)
#define BASIC_MAX	0xd
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
		r.eax = cpuid_count(0xd, 1).eax & LEAFD1_EAX_KEEP;
	} else if (sub < 64 && (mask >> sub & 1)) {
		r = cpuid_count(0xd, sub);
	}
	return r;
}

/* Out of line, like xsave_leaf: the hot leaves (0, the hypervisor's) stay short. */
static __attribute__((noinline)) struct cpuid_regs leaf1(const struct vcpu *v)
{
	struct cpuid_regs r = cpuid(1);

	r.ebx = (r.ebx & 0xffff) | (1u << 16) | (v->index << 24);
	r.ecx = (r.ecx & ~(LEAF1_ECX_HIDE | LEAF1_ECX_OSXSAVE)) | LEAF1_ECX_HYPERVISOR |
		LEAF1_ECX_APIC;
	if (vmcs_readnat(GUEST_CR4) & CR4_OSXSAVE)
		r.ecx |= LEAF1_ECX_OSXSAVE;
	r.edx &= ~(LEAF1_EDX_HIDE | LEAF1_EDX_APIC);
	if (v->lapic.base & APIC_BASE_EN)
		r.edx |= LEAF1_EDX_APIC;
	return r;
}

static __attribute__((noinline)) struct cpuid_regs leaf7(void)
{
	struct cpuid_regs r = cpuid_count(7, 0);

	r.eax = 0; /* no further subleaves */
	r.ecx &= ~(LEAF7_ECX_HIDE | (vmx_get_controls()->rdtscp ? 0 : LEAF7_ECX_RDPID));
	r.edx &= ~LEAF7_EDX_HIDE;
	return r;
}

static struct cpuid_regs filter(const struct vcpu *v, u32 leaf, u32 sub)
{
	struct cpuid_regs r = {0, 0, 0, 0};

	switch (leaf) {
	case 0:
		r = cpuid(0);
		r.eax = MIN(r.eax, BASIC_MAX);
		break;
	case 1:
		r = leaf1(v);
		break;
	case 7:
		if (sub == 0)
			r = leaf7();
		break;
	case 0xd:
		r = xsave_leaf(sub);
		break;
	case PIHV_CPUID_BASE:
		r.eax = PIHV_CPUID_BASE + 1;
		r.ebx = r.ecx = r.edx = 0x76686970; /* "pihv" */
		break;
	case PIHV_CPUID_BASE + 1:
		r.eax = v->index;
		r.ebx = v->vm->nr_vcpus;
		/* no virtual-interrupt delivery: EOI writes exit and are ignored, so skip them */
		r.ecx = vmx_get_controls()->vid ? 0 : PIHV_CPUID_PV_NO_EOI;
		break;
	default:
		if (leaf >= 0x80000000u && leaf <= EXT_MAX) {
			r = cpuid(leaf);
			if (leaf == 0x80000000u)
				r.eax = MIN(r.eax, EXT_MAX);
			if (leaf == 0x80000001u && !vmx_get_controls()->rdtscp)
				r.edx &= ~EXT1_EDX_RDTSCP;
		}
		break;
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
