/*
 * APICv (SDM Vol. 3C ch. 30) for both LAPIC modes, and the fallback without it.
 *
 * Controls per mode (vapic_mode_controls; 26.2.1.1 forbids "virtualize x2APIC mode" together
 * with "virtualize APIC accesses"):
 *
 *   mode      secondary controls               MSR bitmap                APIC-access page
 *   x2APIC    virtualize x2APIC mode           readable 0x8xx virtual,   (plain memory)
 *                                              TPR/EOI/SELF IPI writes
 *   xAPIC     virtualize APIC accesses         every MSR exits           APIC_ACCESS_ADDR
 *   disabled  neither                          every MSR exits           (plain memory)
 *
 * APIC-register virtualization and virtual-interrupt delivery stay on in every mode where the
 * CPU has them: they act through the virtual-APIC page, which is the register file of all
 * modes.  The APIC-access page is one per VM, mapped at 0xfee00000 in its EPT; the CPU never
 * reads it (30.4), and a guest that writes it in x2APIC or disabled mode only writes its own
 * page.
 *
 * Delivery: with posted-interrupt processing the CPU takes posts itself while the guest runs;
 * whatever was posted while it did not run is moved by pi_enter_guest() and handed over here,
 * at entry, as vIRR bits + RVI (VID, "sync_pir_to_irr").  Without VID the vectors are kept in
 * sw_irr and injected one at a time when the guest can take them (IF=1, no STI/MOV-SS
 * blocking), with interrupt-window exiting otherwise.
 */
#include "arch/x86/cpu.h"
#include "lib/mm.h"
#include "lib/printk.h"
#include "vm/msr_bitmap.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

static u32 *reg(struct vcpu *v, u32 off)
{
	return &v->vapic[off / 4];
}

int vapic_vm_init(struct vm *vm)
{
	const struct vmx_controls *c = vmx_get_controls();

	if (!c->apic_access)
		return 0;
	vm->apic_access = page_alloc();
	if (!vm->apic_access)
		return -1;
	/* 30.4: with EPT, an access is an APIC access if it translates to this page */
	return ept_map(&vm->ept, APIC_BASE_DEFAULT, (u64)vm->apic_access, 4096, EPT_RWX);
}

void vapic_mode_controls(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();
	u32 proc2 = c->proc2 & ~(PROC2_VIRT_X2APIC | PROC2_VIRT_APIC_ACCESS);
	bool x2 = v->lapic.mode == VLAPIC_X2APIC;

	if (x2 && c->x2apic_virt)
		proc2 |= PROC2_VIRT_X2APIC;
	if (v->lapic.mode == VLAPIC_XAPIC && c->apic_access && v->vm->apic_access) {
		proc2 |= PROC2_VIRT_APIC_ACCESS;
		vmcs_write64(APIC_ACCESS_ADDR, (u64)v->vm->apic_access);
	}
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write64(MSR_BITMAP, msr_bitmap_pa(x2));
}

/* The state a vCPU starts in: vm/vm.h's lapic_at_reset picks the PC's, else pihv's ABI. */
static void start_state(struct vcpu *v)
{
	u32 id = v->index;
	bool pc = v->vm->lapic_at_reset;

	v->lapic.base = APIC_BASE_DEFAULT | APIC_BASE_EN | (id == 0 ? APIC_BASE_BSP : 0);
	if (!pc)
		v->lapic.base |= APIC_BASE_EXTD;
	v->lapic.mode = pc ? VLAPIC_XAPIC : VLAPIC_X2APIC;
	*reg(v, APIC_REG_ID) = pc ? id << 24 : id;
	vlapic_reset(v);
	/* pihv's ABI (vm/guest_abi.h): software-enabled, unless the vCPU waits for a SIPI */
	if (!pc && (id == 0 || !v->vm->aps_wait_sipi))
		*reg(v, APIC_REG_SVR) = 0xff | APIC_SVR_ENABLE;
}

void vapic_vmcs_setup(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();

	start_state(v);
	vapic_mode_controls(v);
	if (!c->x2apic_virt)
		return;
	vmcs_write64(VIRTUAL_APIC_PAGE_ADDR, (u64)v->vapic);
	vmcs_write32(TPR_THRESHOLD, 0);
	if (c->vid) {
		vmcs_write64(EOI_EXIT_BITMAP0, 0);
		vmcs_write64(EOI_EXIT_BITMAP1, 0);
		vmcs_write64(EOI_EXIT_BITMAP2, 0);
		vmcs_write64(EOI_EXIT_BITMAP3, 0);
		vmcs_write16(GUEST_INTR_STATUS, 0);
	}
	if (c->posted) {
		vmcs_write16(POSTED_INTR_NV, PI_NOTIFY_VECTOR);
		vmcs_write64(POSTED_INTR_DESC_ADDR, (u64)&v->pi.desc);
	}
}

static int highest(const u64 w[4])
{
	for (int i = 3; i >= 0; i--)
		if (w[i])
			return i * 64 + 63 - __builtin_clzll(w[i]);
	return -1;
}

/* Without VID: inject the highest backlog vector if the guest can take an interrupt now. */
static void inject_backlog(struct vcpu *v)
{
	u32 proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	int vec = highest(v->sw_irr);
	bool open;

	if (vec < 0) {
		if (proc & PROC_INTR_WINDOW)
			vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc & ~PROC_INTR_WINDOW);
		return;
	}
	open = (vmcs_readnat(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & INTERRUPTIBILITY_STI_MOVSS) &&
	       !(vmcs_read32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID);
	if (open) {
		v->sw_irr[vec / 64] &= ~(1ull << (vec % 64));
		vmcs_write32(VM_ENTRY_INTR_INFO,
			     (u32)vec | (INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT) |
				     INTR_INFO_VALID);
		v->st.injected++;
		if (highest(v->sw_irr) < 0) {
			if (proc & PROC_INTR_WINDOW)
				vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc & ~PROC_INTR_WINDOW);
			return;
		}
	}
	/* More to deliver: exit as soon as the guest can take the next one (26.2.1.2). */
	if (!(proc & PROC_INTR_WINDOW))
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc | PROC_INTR_WINDOW);
}

/*
 * One pass over the four PIR words that pi_enter_guest() took.  With VID each 64-bit word is two
 * of the eight 32-bit vIRR registers (IRR at 0x200, 16 bytes apart, SDM Vol. 3A 11.8.4), ORed in
 * whole; then RVI = max(RVI, highest) (30.2.1: evaluated at entry).  Without VID the vectors join
 * the software backlog.  Nothing else writes the vIRR meanwhile: the vCPU is loaded here and in
 * root mode.  A disabled LAPIC takes nothing (11.4.3): the vectors are dropped.
 */
void vapic_deliver(struct vcpu *v, const u64 virr[4])
{
	const struct vmx_controls *c = vmx_get_controls();
	int top = -1;

	if (v->lapic.mode == VLAPIC_DISABLED)
		return;
	for (int i = 0; i < 4; i++) {
		u64 w = virr[i];

		if (!w)
			continue;
		top = i * 64 + 63 - __builtin_clzll(w);
		for (u64 b = w; b; b &= b - 1)
			v->st.synced++;
		if (c->vid) {
			*reg(v, APIC_REG_IRR + 0x20 * i) |= (u32)w;
			*reg(v, APIC_REG_IRR + 0x20 * i + 0x10) |= (u32)(w >> 32);
		} else {
			v->sw_irr[i] |= w;
		}
	}
	if (!c->vid) {
		inject_backlog(v);
		return;
	}
	if (top < 0)
		return;
	u16 st = vmcs_read16(GUEST_INTR_STATUS);
	if ((u32)top > (st & 0xffu))
		vmcs_write16(GUEST_INTR_STATUS, (st & 0xff00) | (u32)top);
}

void vapic_deliver_now(struct vcpu *v, u8 vector)
{
	const struct vmx_controls *c = vmx_get_controls();
	u16 st;

	if (v->lapic.mode == VLAPIC_DISABLED)
		return;
	if (!c->vid) {
		v->sw_irr[vector / 64] |= 1ull << (vector % 64);
		return; /* injected at the entry (vapic_deliver, inject_backlog) */
	}
	*reg(v, APIC_REG_IRR + 16 * (vector / 32)) |= 1u << (vector % 32);
	st = vmcs_read16(GUEST_INTR_STATUS);
	if (vector > (st & 0xffu))
		vmcs_write16(GUEST_INTR_STATUS, (st & 0xff00) | vector);
}

/*
 * RVI above the processor priority (30.2.1: RVI[7:4] > VPPR[7:4], VPPR from VTPR and SVI,
 * 30.1.3): a virtual interrupt the guest would take as soon as IF allows, e.g. after a `sti;
 * hlt` that exited before the delivery.
 */
bool vapic_has_pending(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();

	if (!c->vid)
		return highest(v->sw_irr) >= 0;
	u16 st = vmcs_read16(GUEST_INTR_STATUS);
	u32 rvi = st & 0xf0, svi = (st >> 8) & 0xf0, tpr = *reg(v, APIC_REG_TPR) & 0xf0;
	return rvi > (tpr > svi ? tpr : svi);
}

void vapic_clear_vectors(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();

	for (u32 i = 0; i < 8; i++) {
		*reg(v, APIC_REG_IRR + 16 * i) = 0;
		*reg(v, APIC_REG_ISR + 16 * i) = 0;
		*reg(v, APIC_REG_TMR + 16 * i) = 0;
	}
	*reg(v, APIC_REG_PPR) = 0;
	for (u32 i = 0; i < 4; i++)
		v->sw_irr[i] = 0;
	if (c->vid)
		vmcs_write16(GUEST_INTR_STATUS, 0);
}
