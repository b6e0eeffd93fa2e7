/*
 * APICv (SDM Vol. 3C ch. 30) and the fallback without it.  The guest runs its local APIC in
 * x2APIC mode: IA32_APIC_BASE says so, CPUID.1:ECX[21] is set.  What each access does:
 *
 *   MSR                 APICv (VID)                         fallback without VID
 *   0x802-0x8ff reads   virtual-APIC page, no exit (30.5)   exit, read from the page
 *   0x808 TPR           virtual                             virtual (TPR shadow)
 *   0x80b EOI           virtual EOI (30.1.3)                exit, ignored (no vISR kept)
 *   0x83f SELF IPI      virtual self-IPI                    exit -> vcpu_post(self)
 *   0x830 ICR           exit -> vcpu_post(each target)      same
 *   0x802, 0x80d writes exit, #GP (ID, LDR: read-only)      same
 *   0x832 LVT timer     exit, kept for vtimer.c             same
 *   0x6e0 TSC_DEADLINE  exit -> vtimer.c                    same
 *
 * Delivery: with posted-interrupt processing the CPU takes posts itself while the guest runs;
 * whatever was posted while it did not run is moved by pi_enter_guest() and handed over here,
 * at entry, as vIRR bits + RVI (VID, "sync_pir_to_irr").  Without VID the vectors are kept in
 * sw_irr and injected one at a time when the guest can take them (IF=1, no STI/MOV-SS
 * blocking), with interrupt-window exiting otherwise.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "lib/printk.h"
#include "vm/msr_bitmap.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vm/vtimer.h"

static u32 *reg(struct vcpu *v, u32 off)
{
	return &v->vapic[off / 4];
}

/* The shared MSR bitmap (vm/msr_bitmap.c) lets these through to the CPU's virtualization. */
void vapic_msr_bitmap_init(void)
{
	const struct vmx_controls *c = vmx_get_controls();

	if (!c->x2apic_virt)
		return;
	/* Reads other than TPR are virtual only with APIC-register virtualization (30.5). */
	if (c->apic_regs)
		for (u32 m = X2APIC_MSR_BASE; m <= X2APIC_MSR_LAST; m++)
			msr_bitmap_allow(m, true, false);
	msr_bitmap_allow(X2APIC_MSR_TPR, true, true);
	if (c->vid) {
		msr_bitmap_allow(X2APIC_MSR_EOI, false, true);
		msr_bitmap_allow(X2APIC_MSR_SELF_IPI, false, true);
	}
}

/*
 * Logical x2APIC ID (SDM Vol. 3A 11.12.10.2): cluster ID[19:4] in 31:16, one bit for ID[3:0] in
 * 15:0.  The LDR is read-only in x2APIC mode (11.12.10.1), so this value is at once what the
 * guest reads from MSR 0x80d and what icr_write matches a logical destination against.
 */
static u32 logical_id(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 15));
}

void vapic_vmcs_setup(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();
	u32 id = v->index;

	*reg(v, APIC_REG_ID) = id; /* x2APIC: the full 32-bit ID */
	*reg(v, APIC_REG_VER) = 0x50014;
	*reg(v, APIC_REG_LDR) = logical_id(id);
	*reg(v, APIC_REG_SVR) = 0x1ff;
	*reg(v, APIC_REG_LVT_TIMER) = APIC_LVT_MASKED;
	v->lvt_timer = APIC_LVT_MASKED;
	vmcs_write64(MSR_BITMAP, msr_bitmap_pa());
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
 * root mode.
 */
void vapic_deliver(struct vcpu *v, const u64 virr[4])
{
	const struct vmx_controls *c = vmx_get_controls();
	int top = -1;

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

bool vapic_has_pending(struct vcpu *v)
{
	const struct vmx_controls *c = vmx_get_controls();

	if (!c->vid)
		return highest(v->sw_irr) >= 0;
	/* RVI waiting above the in-service class: e.g. `sti; hlt` exited before delivery */
	u16 st = vmcs_read16(GUEST_INTR_STATUS);
	u32 rvi = st & 0xff, svi = st >> 8;
	return rvi && (rvi >> 4) > (svi >> 4);
}

/* IA32_APIC_BASE: default base, enabled, x2APIC mode (EXTD), BSP flag for vCPU 0. */
static u64 apic_base(struct vcpu *v)
{
	return 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | (v->index == 0 ? APIC_BASE_BSP : 0);
}

bool vapic_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_IA32_APIC_BASE) {
		*val = apic_base(v);
		return true;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = READ_ONCE(v->tsc_deadline);
		return true;
	}
	if (msr < X2APIC_MSR_BASE || msr > X2APIC_MSR_LAST || msr == X2APIC_MSR_EOI ||
	    msr == X2APIC_MSR_SELF_IPI)
		return false;
	if (msr == X2APIC_MSR_ICR) {
		*val = *reg(v, APIC_REG_ICR) | (u64)*reg(v, APIC_REG_ICR_HI) << 32;
		return true;
	}
	*val = *reg(v, (msr - X2APIC_MSR_BASE) << 4);
	return true;
}

/*
 * Does the destination field of a no-shorthand IPI select vCPU id?  0xffffffff is the broadcast
 * in both destination modes (SDM Vol. 3A 11.12.9).  Logical mode (11.12.10.1): the cluster in
 * 31:16 must be the vCPU's own, and the bitmap in 15:0 must share a bit with its logical ID, so
 * one IPI selects any subset of a cluster's 16 vCPUs, or none.
 */
static bool dest_match(u32 dest, bool logical, u32 id)
{
	u32 ldr = logical_id(id);

	if (dest == 0xffffffffu)
		return true;
	if (!logical)
		return dest == id;
	return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffffu);
}

/* Shorthands, broadcast and logical destinations: every vCPU of the VM is matched. */
static __attribute__((noinline)) void icr_many(struct vcpu *v, u8 vec, u32 shorthand, u32 dest,
					       bool logical)
{
	struct vm *vm = v->vm;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		/* a shorthand ignores the destination field and its mode (11.6.1) */
		bool hit = shorthand == 0   ? dest_match(dest, logical, i)
			   : shorthand == 1 ? i == v->index
			   : shorthand == 2 ? true
					    : i != v->index;
		if (!hit)
			continue;
		v->st.vipis_sent++;
		vcpu_post(vm->vcpus[i], vec);
	}
}

/*
 * ICR write (x2APIC: one 64-bit MSR, destination in 63:32; SDM Vol. 3A 11.12.9): fixed
 * delivery to the vCPUs of this VM that a shorthand or the destination selects, physical (the
 * x2APIC ID = index) or logical (bit 11).  Each target gets a vcpu_post(), wherever it is:
 * running (notification), preempted (PIR only, SN=1) or blocked (WAKEUP vector).  Other
 * delivery modes are ignored.
 */
static void icr_write(struct vcpu *v, u64 val)
{
	u8 vec = val & 0xff;
	u32 mode = (val >> 8) & 7, shorthand = (val >> 18) & 3, dest = val >> 32;
	bool logical = (val >> 11) & 1; /* ICR_LOGICAL */
	struct vm *vm = v->vm;

	*reg(v, APIC_REG_ICR) = (u32)val & ~ICR_DELIVERY_STATUS; /* idle */
	*reg(v, APIC_REG_ICR_HI) = dest;
	if (mode != 0 || vec < 16)
		return;
	/* The usual IPI: one physical destination, which is the vCPU's index. */
	if (shorthand == 0 && !logical && dest != 0xffffffffu) {
		if (dest < vm->nr_vcpus) {
			v->st.vipis_sent++;
			vcpu_post(vm->vcpus[dest], vec);
		}
		return;
	}
	icr_many(v, vec, shorthand, dest, logical);
}

bool vapic_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		return val == apic_base(v); /* no mode switch: x2APIC stays on */
	case MSR_IA32_TSC_DEADLINE:
		vtimer_set_deadline(v, val);
		return true;
	case X2APIC_MSR_ICR:
		icr_write(v, val);
		return true;
	case X2APIC_MSR_SELF_IPI:
		if ((val & 0xff) >= 16)
			vcpu_post(v, val & 0xff);
		return true;
	case X2APIC_MSR_EOI:
		return true; /* fallback: no vISR kept, nothing to do */
	case X2APIC_MSR_ID:
	case X2APIC_MSR_LDR:
		return false; /* read-only in x2APIC mode (table 11-6): #GP; routing stays put */
	case X2APIC_MSR_LVT_TIMER:
		WRITE_ONCE(v->lvt_timer, (u32)val);
		*reg(v, APIC_REG_LVT_TIMER) = (u32)val;
		return true;
	}
	if (msr < X2APIC_MSR_BASE || msr > X2APIC_MSR_LAST)
		return false;
	*reg(v, (msr - X2APIC_MSR_BASE) << 4) = (u32)val; /* TPR, SVR, other LVTs: just stored */
	return true;
}
