/*
 * VMCS setup, one function per area (SDM Vol. 3C 25.4 guest state, 25.5 host state, 25.6-25.8
 * controls).  The values that the checks of 27.2/27.3 constrain say which rule they follow.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/spec.h"
#include "lib/printk.h"
#include "vm/guest_abi.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* The exit path that overwrites the RSB as the CPU needs (vm/vm_barrier.h). */
static void (*const exit_stubs[])(void) = {
	[SPEC_RSB_NONE] = vmx_exit_stub,
	[SPEC_RSB_LITE] = vmx_exit_stub_rsb_lite,
	[SPEC_RSB_FULL] = vmx_exit_stub_rsb_full,
};

/* Host state that is the same on every pCPU (25.5, checks in 27.2.2-27.2.4). */
static void host_state(void)
{
	vmcs_writenat(HOST_CR0, read_cr0());
	vmcs_writenat(HOST_CR3, read_cr3());
	vmcs_writenat(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, SEL_KCODE);
	vmcs_write16(HOST_SS_SELECTOR, SEL_KDATA);
	vmcs_write16(HOST_DS_SELECTOR, SEL_KDATA);
	vmcs_write16(HOST_ES_SELECTOR, SEL_KDATA);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, SEL_TSS); /* must not be 0 (27.2.3) */
	vmcs_writenat(HOST_FS_BASE, 0);
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmcs_writenat(HOST_RIP, (u64)exit_stubs[spec_policy()->rsb]);
	/* HOST_RSP is written by vmx_enter() before every entry. */
}

void vcpu_vmcs_host_percpu(void)
{
	struct desc_ptr idtr;

	asm volatile("sidt %0" : "=m"(idtr));
	vmcs_writenat(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_writenat(HOST_TR_BASE, (u64)&this_pcpu()->desc.tss);
	vmcs_writenat(HOST_GDTR_BASE, (u64)this_pcpu()->desc.gdt);
	vmcs_writenat(HOST_IDTR_BASE, idtr.base);
}

static void controls(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();

	bool pc = v->vm->kind == VM_PC;

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	vmcs_write32(VM_EXIT_CONTROLS, c->exit);
	/* A standard guest starts outside IA-32e mode; vm/exit_cr.c sets it with CR0.PG. */
	vmcs_write32(VM_ENTRY_CONTROLS, pc ? c->entry & ~ENTRY_CTL_IA32E_MODE_GUEST : c->entry);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	vmcs_write64(TSC_OFFSET, 0);
	/*
	 * CR4.VMXE is fixed to 1 in VMX operation, guest included (27.3.1.1): the host owns the
	 * bit and the guest reads 0 through the shadow (25.6.6).  CR4.PKE and the other bits of
	 * VCPU_CR4_OWNED are the host's too: PKRU is not switched between vCPUs (vm/vcpu_ctx.h),
	 * so a guest may not turn on protection keys; setting any of them exits (26.1.3) and
	 * raises #GP (exit_cr.c).  CR0 belongs to a flat guest; the CPU itself refuses to clear
	 * fixed bits in non-root operation.  A standard guest's CR0.PE/PG/NE/CD/NW are owned
	 * (VCPU_CR0_OWNED): it starts with paging off and switches modes through exit_cr.c.
	 */
	vmcs_writenat(CR0_GUEST_HOST_MASK, pc ? VCPU_CR0_OWNED : 0);
	vmcs_writenat(CR0_READ_SHADOW, pc ? VCPU_PC_CR0 : 0);
	vmcs_writenat(CR4_GUEST_HOST_MASK, VCPU_CR4_OWNED);
	vmcs_writenat(CR4_READ_SHADOW, 0);
	vmcs_write64(EPT_POINTER, v->vm->ept.eptp);
	if (c->vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, v->vpid);
	vmcs_write64(VMCS_LINK_POINTER, ~0ull); /* no shadow VMCS (27.3.1.5) */
}

/* Access rights (table 25-2): type | S<<4 | P<<7 | L<<13 | D/B<<14 | G<<15. */
#define AR_CODE64     0xa09b /* execute/read accessed, S, P, L, G */
#define AR_DATA	      0xc093 /* read/write accessed, S, P, D/B, G */
#define AR_TSS64_BUSY 0x8b

/* A flat data segment / a 32-bit code segment, base 0, limit 4 GiB (the multiboot CS, DS). */
#define AR_CODE32   0xc09b /* execute/read accessed, S, P, D/B, G */
#define SEL_PC_CODE 0x10   /* GRUB's and QEMU's selectors; the value is undefined by the spec */
#define SEL_PC_DATA 0x18

static void flat_segments(u16 cs, u32 cs_ar, u16 ds)
{
	vmcs_write16(GUEST_CS_SELECTOR, cs);
	vmcs_write32(GUEST_CS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_CS_AR_BYTES, cs_ar);
	vmcs_writenat(GUEST_CS_BASE, 0);
	vmcs_write16(GUEST_SS_SELECTOR, ds);
	vmcs_write32(GUEST_SS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_SS_AR_BYTES, AR_DATA);
	vmcs_writenat(GUEST_SS_BASE, 0);
	vmcs_write16(GUEST_DS_SELECTOR, ds);
	vmcs_write32(GUEST_DS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_DS_AR_BYTES, AR_DATA);
	vmcs_writenat(GUEST_DS_BASE, 0);
	vmcs_write16(GUEST_ES_SELECTOR, ds);
	vmcs_write32(GUEST_ES_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_ES_AR_BYTES, AR_DATA);
	vmcs_writenat(GUEST_ES_BASE, 0);
	vmcs_write16(GUEST_FS_SELECTOR, ds);
	vmcs_write32(GUEST_FS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_FS_AR_BYTES, AR_DATA);
	vmcs_writenat(GUEST_FS_BASE, 0);
	vmcs_write16(GUEST_GS_SELECTOR, ds);
	vmcs_write32(GUEST_GS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_GS_AR_BYTES, AR_DATA);
	vmcs_writenat(GUEST_GS_BASE, 0);
	/* LDTR unusable; TR a usable busy TSS, type 11 in and outside IA-32e mode (27.3.1.2). */
	vmcs_write16(GUEST_LDTR_SELECTOR, 0);
	vmcs_write32(GUEST_LDTR_LIMIT, 0);
	vmcs_write32(GUEST_LDTR_AR_BYTES, AR_UNUSABLE);
	vmcs_writenat(GUEST_LDTR_BASE, 0);
	vmcs_write16(GUEST_TR_SELECTOR, 0);
	vmcs_write32(GUEST_TR_LIMIT, 0x67);
	vmcs_write32(GUEST_TR_AR_BYTES, AR_TSS64_BUSY);
	vmcs_writenat(GUEST_TR_BASE, 0);
}

/* What every vCPU starts with, whatever its mode: no events, no debug state, reset PAT. */
static void common_state(void)
{
	vmcs_writenat(GUEST_DR7, 0x400);
	vmcs_write64(GUEST_IA32_PAT,
		     0x0007040600070406ull); /* the reset value (SDM Vol. 3A 13.12.4) */
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	vmcs_writenat(GUEST_RFLAGS, 0x2); /* bit 1 is reserved-1 (27.3.1.4); IF=0 */
}

/*
 * A standard guest's entry (Multiboot 0.6.96 3.2, Multiboot2 spec 3.3): 32-bit protected
 * mode, paging off, CS a 32-bit flat code segment, DS/ES/FS/GS/SS flat data, A20 on (guest
 * memory has no A20 gate), IF=0, EAX the loader magic, EBX the information block.  Paging off
 * with PE=1 needs unrestricted guest (26.2.1.1 lets CR0.PG be 0 with it); CR0.NE stays set
 * underneath (fixed in VMX operation) and the guest reads the shadow, PE|ET, as after a BIOS.
 * GDTR and IDTR are left empty: the spec says the OS must load its own.
 */
static void guest_state_pc(struct vcpu *v)
{
	const struct vmx_caps *caps = vmx_get_caps();
	u64 cr0 = (VCPU_PC_CR0 | (caps->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & caps->cr0_fixed1;

	vmcs_writenat(GUEST_CR0, cr0);
	vmcs_writenat(GUEST_CR3, 0);
	vmcs_writenat(GUEST_CR4, caps->cr4_fixed0 & caps->cr4_fixed1);
	vmcs_write64(GUEST_IA32_EFER, 0);
	common_state();
	flat_segments(SEL_PC_CODE, AR_CODE32, SEL_PC_DATA);
	vmcs_writenat(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);
	vmcs_writenat(GUEST_RIP, v->vm->entry.rip);
	vmcs_writenat(GUEST_RSP, VCPU_PC_STACK);
	v->regs.rax = v->vm->entry.eax;
	v->regs.rbx = v->vm->entry.ebx;
	v->regs.rsi = v->vm->entry.esi;
}

/* The entry state of vm/guest_abi.h (checks in 27.3.1). */
static void guest_state(struct vcpu *v)
{
	const struct vmx_caps *caps = vmx_get_caps();
	u64 cr0 =
		(CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG | caps->cr0_fixed0) & caps->cr0_fixed1;
	u64 cr4 = (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | caps->cr4_fixed0) & caps->cr4_fixed1;

	vmcs_writenat(GUEST_CR0, cr0);
	vmcs_writenat(GUEST_CR3, GUEST_PML4);
	vmcs_writenat(GUEST_CR4, cr4);
	vmcs_write64(GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	common_state();

	flat_segments(GUEST_SEL_CODE, AR_CODE64, GUEST_SEL_DATA);
	vmcs_writenat(GUEST_GDTR_BASE, GUEST_GDT);
	vmcs_write32(GUEST_GDTR_LIMIT, 3 * 8 - 1);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);

	vmcs_writenat(GUEST_RIP, GUEST_LOAD);
	vmcs_writenat(GUEST_RSP, v->vm->mem_size - (u64)v->index * GUEST_STACK_SIZE);
	v->regs.rdi = v->index;
	v->regs.rsi = v->vm->nr_vcpus;
}

/*
 * Each logical processor caches guest-linear translations (TLB, paging-structure caches) tagged
 * with the VPID, and keeps them across VM exits and entries (SDM Vol. 3C 29.1, 29.4.1).  A
 * guest's INVLPG, MOV to CR3 or INVPCID invalidates only the entries of the logical processor
 * it runs on.  So when a vCPU comes to a pCPU other than the one it last ran on, entries this
 * pCPU cached during an earlier stay may be stale: the guest may have changed its page tables
 * since, and flushed only where it then ran.  INVVPID of its VPID on arrival removes them
 * (29.4.3.3, guidelines for INVVPID); single-context where the CPU has it, else all contexts.
 * Without VPIDs every VM entry and exit flushes (29.4.3.1) and there is nothing to do.
 */
void vcpu_flush_vpid(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();

	if (!c->vpid)
		return;
	if (vmcs_invvpid(c->invvpid_single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXTS,
			 v->vpid))
		v->st.vpid_flushes++;
}

int vcpu_vmcs_setup(struct vcpu *v)
{
	u64 errs = vmcs_error_count();

	*(u32 *)v->vmcs = vmx_vmcs_revision();
	if (!vmcs_clear((u64)v->vmcs) || !vmcs_load((u64)v->vmcs))
		return -1;
	host_state();
	vcpu_vmcs_host_percpu();
	controls(v);
	vapic_vmcs_setup(v);
	if (v->vm->kind == VM_PC)
		guest_state_pc(v);
	else
		guest_state(v);
	if (vmcs_error_count() != errs) {
		printk("vmx: [%s/%u] VMCS setup failed (%lu VMX instruction errors above)\n",
		       v->vm->name, v->index, vmcs_error_count() - errs);
		return -1;
	}
	v->vmcs_ready = true;
	return 0;
}
