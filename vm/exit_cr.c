/*
 * Control-register exits (SDM Vol. 3C 26.1.3: MOV to CR0/CR4 and LMSW exit when they would
 * change a bit set in the guest/host mask; exit qualification in table 28-3).  pihv owns
 * CR0.PE/PG/NE/CD/NW of a standard guest (vm/vcpu.h, VCPU_CR0_OWNED) and, in every guest,
 * the CR4 bits of features it does not offer (VCPU_CR4_OWNED: VMXE, SMXE, LA57, PKE, CET,
 * PKS; PKRU is not switched between vCPUs, vm/vcpu_ctx.h).  What emulating a write involves,
 * in the order the SDM checks it (Vol. 3A 2.5, 9.8):
 *   - #GP for PG without PE, NW without CD, bits 63:32 set, PG with LME but without PAE,
 *     clearing PG in 64-bit code, an owned CR4 bit (as on a CPU without that feature);
 *   - CR0.PG 0->1 with EFER.LME: IA-32e mode is activated, EFER.LMA = 1 and the
 *     "IA-32e mode guest" entry control follows it (26.2.1.3, 27.3.1.1); 1->0 deactivates;
 *   - CR0.PG 0->1 with CR4.PAE outside IA-32e mode: the PDPTEs are read from CR3 into the
 *     VMCS, because VM entry loads them from there when EPT is on (27.3.2.4);
 *   - the guest reads its own value through the read shadow; underneath NE stays 1 and CD/NW
 *     stay 0 (guest memory keeps its EPT write-back type);
 *   - a paging-mode change flushes the vCPU's VPID-tagged translations, as the MOV itself
 *     would have (Vol. 3A 4.10.4.1): entries made with paging off must not survive it.
 * CR3 loads and stores do not exit: with EPT the guest owns its page tables.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "lib/printk.h"
#include "vm/exit.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define CRQ_CR(q)     ((q)&15)
#define CRQ_TYPE(q)   (((q) >> 4) & 3) /* 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW */
#define CRQ_GPR(q)    (((q) >> 8) & 15)
#define CRQ_LMSW(q)   (((q) >> 16) & 0xffff)
#define CR0_LMSW_BITS 0xful /* PE, MP, EM, TS (LMSW, SDM Vol. 2A) */
#define AR_L	      (1u << 13)
#define GP_VECTOR     13

static enum exit_action gp(struct vcpu *v)
{
	v->gp_injected++;
	vcpu_inject_exception(v, GP_VECTOR, true, 0);
	return EXIT_RESUME;
}

/* 64-bit code: IA-32e mode and CS.L (Vol. 3A 5.2.1).  Elsewhere MOV to CR takes 32 bits. */
static bool code64(void)
{
	return (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (vmcs_read32(GUEST_CS_AR_BYTES) & AR_L);
}

/* The guest's view of CR0: owned bits from the shadow, the rest from the real register. */
static u64 guest_cr0(void)
{
	u64 mask = vmcs_readnat(CR0_GUEST_HOST_MASK);

	return (vmcs_readnat(GUEST_CR0) & ~mask) | (vmcs_readnat(CR0_READ_SHADOW) & mask);
}

/* PAE paging outside IA-32e mode: PDPTE i at (CR3 & ~31) + 8 i (Vol. 3A 4.4.1, table 4-8). */
static bool load_pdptes(struct vcpu *v, u64 cr3)
{
	u32 maxphy = cpuid(0x80000008).eax & 0xff;
	u64 rsvd = (~0ull << maxphy) | (3ull << 1) | (0xfull << 5);
	const u64 *pdpte = vm_gpa_to_host(v->vm, cr3 & 0xffffffe0ull, 32);

	if (!pdpte)
		return false;
	for (int i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return false;
	vmcs_write64(GUEST_PDPTE0, pdpte[0]);
	vmcs_write64(GUEST_PDPTE1, pdpte[1]);
	vmcs_write64(GUEST_PDPTE2, pdpte[2]);
	vmcs_write64(GUEST_PDPTE3, pdpte[3]);
	return true;
}

static enum exit_action cr0_write(struct vcpu *v, u64 val)
{
	const struct vmx_caps *caps = vmx_get_caps();
	u64 old = guest_cr0(), efer = vmcs_read64(GUEST_IA32_EFER);
	u64 cr4 = vmcs_readnat(GUEST_CR4), real;
	u32 entry = vmcs_read32(VM_ENTRY_CONTROLS);
	bool c64 = code64();

	if (!c64)
		val = (u32)val;
	else if (val >> 32)
		return gp(v);
	val |= CR0_ET; /* hard-wired to 1 (Vol. 3A 2.5) */
	if (((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
		return gp(v);
	if (!(old & CR0_PG) && (val & CR0_PG)) {
		if (efer & EFER_LME) {
			if (!(cr4 & CR4_PAE))
				return gp(v);
			efer |= EFER_LMA;
			entry |= ENTRY_CTL_IA32E_MODE_GUEST;
		} else if ((cr4 & CR4_PAE) && !load_pdptes(v, vmcs_readnat(GUEST_CR3))) {
			return gp(v);
		}
	} else if ((old & CR0_PG) && !(val & CR0_PG) && (efer & EFER_LMA)) {
		if (c64)
			return gp(v); /* leave 64-bit code for compatibility mode first */
		efer &= ~(u64)EFER_LMA;
		entry &= ~ENTRY_CTL_IA32E_MODE_GUEST;
	}
	real = (val | (caps->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & caps->cr0_fixed1;
	vmcs_writenat(GUEST_CR0, real & ~(CR0_CD | CR0_NW));
	vmcs_writenat(CR0_READ_SHADOW, val);
	vmcs_write64(GUEST_IA32_EFER, efer);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	if ((old ^ val) & (CR0_PG | CR0_PE | CR0_WP))
		vcpu_flush_vpid(v);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/* The owned CR4 bits are features not offered: setting one faults, as on a CPU without it. */
static enum exit_action cr4_write(struct vcpu *v, u64 val)
{
	const struct vmx_caps *caps = vmx_get_caps();

	if (!code64())
		val = (u32)val;
	if ((val & VCPU_CR4_OWNED) || (val & ~caps->cr4_fixed1))
		return gp(v);
	vmcs_writenat(GUEST_CR4, val | caps->cr4_fixed0);
	vmcs_writenat(CR4_READ_SHADOW, val & VCPU_CR4_OWNED);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
	u64 q = v->exit_qual, val;
	u32 cr = CRQ_CR(q);

	switch (CRQ_TYPE(q)) {
	case 0:
		val = vcpu_gpr(v, CRQ_GPR(q));
		if (cr == 0)
			return cr0_write(v, val);
		if (cr == 4)
			return cr4_write(v, val);
		break;
	case 3:
		/* LMSW writes CR0[3:0] and cannot clear PE (SDM Vol. 2A LMSW) */
		val = guest_cr0();
		return cr0_write(v, (val & ~CR0_LMSW_BITS) | (CRQ_LMSW(q) & CR0_LMSW_BITS) |
					    (val & CR0_PE));
	}
	printk("vmx: [%s/%u] CR access %#lx not expected (CR%u, type %lu)\n", v->vm->name, v->index,
	       q, cr, CRQ_TYPE(q));
	return vmx_exit_fatal(v, "unexpected control-register access");
}
