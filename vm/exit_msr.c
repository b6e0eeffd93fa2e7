/*
 * RDMSR/WRMSR exits (the MSR bitmaps of vm/msr_bitmap.c let only the LAPIC's virtualized x2APIC
 * accesses through, SDM Vol. 3C 26.1.3).  The MSRs a guest finds (docs/guests.md, "MSRs"):
 *   APIC_BASE, TSC_DEADLINE, x2APIC 0x800-0x8ff   the LAPIC (vm/vapic_x2apic.c)
 *   IA32_TSC                  reads the TSC; writes are ignored (one TSC for every vCPU)
 *   FEATURE_CONTROL           reads 1: locked with VMX off (VMX is not offered)
 *   BIOS_SIGN_ID              microcode revision 0; writes ignored (the update trigger)
 *   MTRRCAP / MTRR_DEF_TYPE   no variable or fixed ranges; the default type reads back
 *   SYSENTER_CS/ESP/EIP, FS/GS_BASE, EFER, PAT   VMCS guest fields
 *   MISC_ENABLE               fast strings, BTS and PEBS unavailable; only bit 0 writable
 *   STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, TSC_AUX   per vCPU, vm/vcpu_ctx.c
 *   PIHV_MSR_SCRATCH          pihv's test MSR (vm/guest_abi.h)
 * Every other index, a read-only one written, a reserved bit set, or a non-canonical address
 * gets #GP(0) injected: what a CPU without that MSR, or with those bits reserved, does (SDM
 * Vol. 2B RDMSR/WRMSR; Vol. 4).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define MISC_ENABLE_RESET    ((1ull << 0) | (1ull << 11) | (1ull << 12))
#define MISC_ENABLE_WRITABLE (1ull << 0)
#define MTRR_DEF_ENABLE	     (1ull << 11)
#define GP_VECTOR	     13

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

void vcpu_msr_reset(struct vcpu *v)
{
	v->misc_enable = MISC_ENABLE_RESET;
	v->mtrr_def_type = MTRR_DEF_ENABLE | 6; /* enabled, write-back */
	v->ucode_rev = 0;
}

/* EFER (Vol. 3A 2.2.1): SCE, LME, NXE where the CPU has it; LMA follows CR0.PG (exit_cr.c). */
static bool efer_write(struct vcpu *v, u64 val)
{
	u64 old = vmcs_read64(GUEST_IA32_EFER);
	u64 ok = EFER_SCE | EFER_LME | EFER_LMA;
	u64 mask = vmcs_readnat(CR0_GUEST_HOST_MASK);
	u64 cr0 = (vmcs_readnat(GUEST_CR0) & ~mask) | (vmcs_readnat(CR0_READ_SHADOW) & mask);

	if (cpuid(0x80000001).edx & (1u << 20))
		ok |= EFER_NXE;
	if (val & ~ok)
		return false;
	if ((cr0 & CR0_PG) && ((val ^ old) & EFER_LME))
		return false; /* LME cannot change while paging is on */
	vmcs_write64(GUEST_IA32_EFER, (val & ~(u64)EFER_LMA) | (old & EFER_LMA));
	return true;
}

static bool read_msr(struct vcpu *v, u32 msr, u64 *val)
{
	if (vapic_owns_msr(msr))
		return vapic_rdmsr(v, msr, val); /* false: #GP, the LAPIC's rules */
	if (msr == MSR_TSC_AUX && !vmx_get_controls()->rdtscp)
		return false; /* RDTSCP and RDPID are not offered (vm/exit_cpuid.c) */
	if (vcpu_ctx_rdmsr(v, msr, val))
		return true;
	switch (msr) {
	case PIHV_MSR_SCRATCH:
		*val = v->msr_scratch;
		return true;
	case MSR_IA32_TSC:
		*val = rdtsc(); /* TSC offset is 0 */
		return true;
	case MSR_IA32_FEATURE_CONTROL:
		*val = 1; /* locked, VMX off */
		return true;
	case MSR_IA32_BIOS_SIGN_ID:
		*val = v->ucode_rev << 32;
		return true;
	case MSR_IA32_MTRRCAP:
		*val = 0;
		return true;
	case MSR_IA32_MTRR_DEF_TYPE:
		*val = v->mtrr_def_type;
		return true;
	case MSR_IA32_SYSENTER_CS:
		*val = vmcs_read32(GUEST_SYSENTER_CS);
		return true;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmcs_readnat(GUEST_SYSENTER_ESP);
		return true;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmcs_readnat(GUEST_SYSENTER_EIP);
		return true;
	case MSR_IA32_MISC_ENABLE:
		*val = v->misc_enable;
		return true;
	case MSR_EFER:
		*val = vmcs_read64(GUEST_IA32_EFER);
		return true;
	case MSR_IA32_PAT:
		*val = vmcs_read64(GUEST_IA32_PAT);
		return true;
	case MSR_FS_BASE:
		*val = vmcs_readnat(GUEST_FS_BASE);
		return true;
	case MSR_GS_BASE:
		*val = vmcs_readnat(GUEST_GS_BASE);
		return true;
	}
	return false;
}

enum exit_action exit_rdmsr(struct vcpu *v)
{
	u64 val = 0;

	if (!read_msr(v, (u32)v->regs.rcx, &val))
		return gp(v);
	v->regs.rax = (u32)val;
	v->regs.rdx = val >> 32;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

static bool write_msr(struct vcpu *v, u32 msr, u64 val)
{
	if (vapic_owns_msr(msr))
		return vapic_wrmsr(v, msr, val); /* false: #GP, the LAPIC's rules */
	if (msr == MSR_TSC_AUX && !vmx_get_controls()->rdtscp)
		return false; /* RDTSCP and RDPID are not offered (vm/exit_cpuid.c) */
	switch (vcpu_ctx_wrmsr(v, msr, val)) {
	case 1:
		return true;
	case -1:
		return false;
	}
	switch (msr) {
	case PIHV_MSR_SCRATCH:
		v->msr_scratch = val;
		return true;
	case MSR_IA32_TSC:
	case MSR_IA32_BIOS_SIGN_ID:
		return true; /* ignored: see the table above */
	case MSR_IA32_MTRR_DEF_TYPE:
		/* type in 7:0 (UC, WC, WT, WP, WB), FE (10) unsupported, E (11) */
		if ((val & ~(MTRR_DEF_ENABLE | 0xffull)) || !((0x73u >> (val & 7)) & 1) ||
		    (val & 0xf8))
			return false;
		v->mtrr_def_type = val;
		return true;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, (u32)val);
		return true;
	case MSR_IA32_SYSENTER_ESP:
		if (!canonical(val))
			return false;
		vmcs_writenat(GUEST_SYSENTER_ESP, val);
		return true;
	case MSR_IA32_SYSENTER_EIP:
		if (!canonical(val))
			return false;
		vmcs_writenat(GUEST_SYSENTER_EIP, val);
		return true;
	case MSR_IA32_MISC_ENABLE:
		if ((val ^ v->misc_enable) & ~MISC_ENABLE_WRITABLE)
			return false;
		v->misc_enable = val;
		return true;
	case MSR_EFER:
		return efer_write(v, val);
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return false;
		vmcs_write64(GUEST_IA32_PAT, val);
		return true;
	case MSR_FS_BASE:
		if (!canonical(val))
			return false;
		vmcs_writenat(GUEST_FS_BASE, val);
		return true;
	case MSR_GS_BASE:
		if (!canonical(val))
			return false;
		vmcs_writenat(GUEST_GS_BASE, val);
		return true;
	}
	return false;
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
	if (!write_msr(v, msr, val))
		return gp(v);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
