/*
 * RDMSR/WRMSR exits (the MSR bitmaps of vm/msr_bitmap.c let only x2APIC accesses through, SDM
 * Vol. 3C 26.1.3); the LAPIC's MSRs go to vm/vapic_x2apic.c.  A few MSRs
 * are emulated against the VMCS or per-vCPU state (KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK,
 * TSC_AUX: vm/vcpu_ctx.c); every other index gets #GP(0) injected, which is what a CPU
 * without that MSR does.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vmx/vmcs.h"

#define GP_VECTOR 13

static enum exit_action gp(struct vcpu *v)
{
	v->gp_injected++;
	vcpu_inject_exception(v, GP_VECTOR, true, 0);
	return EXIT_RESUME;
}

/* PAT entries must be a valid memory type (SDM Vol. 3A 13.12.2), else WRMSR faults. */
static bool pat_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (pat >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* A non-canonical base would make the next VM entry fail (27.3.1.2); WRMSR faults instead. */
static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

enum exit_action exit_rdmsr(struct vcpu *v)
{
	u64 val;

	if (vapic_owns_msr((u32)v->regs.rcx)) {
		if (!vapic_rdmsr(v, (u32)v->regs.rcx, &val))
			return gp(v);
		goto done;
	}
	if (vcpu_ctx_rdmsr(v, (u32)v->regs.rcx, &val))
		goto done;
	switch ((u32)v->regs.rcx) {
	case PIHV_MSR_SCRATCH:
		val = v->msr_scratch;
		break;
	case MSR_IA32_TSC:
		val = rdtsc(); /* TSC offset is 0 */
		break;
	case MSR_EFER:
		val = vmcs_read64(GUEST_IA32_EFER);
		break;
	case MSR_IA32_PAT:
		val = vmcs_read64(GUEST_IA32_PAT);
		break;
	case MSR_FS_BASE:
		val = vmcs_readnat(GUEST_FS_BASE);
		break;
	case MSR_GS_BASE:
		val = vmcs_readnat(GUEST_GS_BASE);
		break;
	default:
		return gp(v);
	}
done:
	v->regs.rax = (u32)val;
	v->regs.rdx = val >> 32;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

enum exit_action exit_wrmsr(struct vcpu *v)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	u32 msr = (u32)v->regs.rcx;

	/* the hot one first: a guest IPI (vm/vapic_icr.c) */
	if (msr == X2APIC_MSR_ICR && v->lapic.mode == VLAPIC_X2APIC) {
		if (!vapic_icr_write_x2apic(v, val))
			return gp(v);
		vcpu_skip_insn(v);
		return EXIT_RESUME;
	}
	if (vapic_owns_msr(msr)) {
		if (!vapic_wrmsr(v, msr, val))
			return gp(v);
		vcpu_skip_insn(v);
		return EXIT_RESUME;
	}
	switch (vcpu_ctx_wrmsr(v, msr, val)) {
	case 1:
		vcpu_skip_insn(v);
		return EXIT_RESUME;
	case -1:
		return gp(v);
	}
	switch (msr) {
	case PIHV_MSR_SCRATCH:
		v->msr_scratch = val;
		break;
	case MSR_EFER: {
		/*
		 * SCE, LME and NXE are the guest's; LMA is read-only (the CPU sets it when paging
		 * goes on with LME, and the exit saves it, SDM Vol. 3C 28.3); LME may not change
		 * while paging is on (SDM Vol. 3A 10.8.5); other bits are reserved.
		 */
		u64 cur = vmcs_read64(GUEST_IA32_EFER), own = EFER_SCE | EFER_LME | EFER_NXE;
		if ((val & ~(own | EFER_LMA)) ||
		    (((val ^ cur) & EFER_LME) && (vmcs_readnat(GUEST_CR0) & CR0_PG)))
			return gp(v);
		vmcs_write64(GUEST_IA32_EFER, (val & own) | (cur & EFER_LMA));
		break;
	}
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return gp(v);
		vmcs_write64(GUEST_IA32_PAT, val);
		break;
	case MSR_FS_BASE:
		if (!canonical(val))
			return gp(v);
		vmcs_writenat(GUEST_FS_BASE, val);
		break;
	case MSR_GS_BASE:
		if (!canonical(val))
			return gp(v);
		vmcs_writenat(GUEST_GS_BASE, val);
		break;
	default:
		return gp(v);
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
