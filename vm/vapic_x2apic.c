/*
 * The LAPIC's MSRs: IA32_APIC_BASE and its mode transitions (SDM Vol. 3A 11.12.5), the x2APIC
 * registers 0x800-0x8ff (11.12.1.2, table 11-6) and IA32_TSC_DEADLINE (11.5.4.1).
 *
 *   transition (EN, EXTD)            result
 *   disabled (0,0) -> xAPIC (1,0)    registers at their reset values (11.12.5.1)
 *   xAPIC -> x2APIC (1,1)            registers kept; ID becomes the 32-bit x2APIC ID, LDR the
 *                                    derived logical ID (11.12.10.2), no DFR
 *   xAPIC or x2APIC -> disabled      pending and in-service vectors dropped, timer stopped
 *   x2APIC -> xAPIC, disabled ->     #GP (invalid transitions)
 *   x2APIC, (0,1), reserved bits,
 *   another base address
 * CPUID.1:EDX[9] follows EN (exit_cpuid.c).  The BSP flag is read-only.
 *
 * x2APIC mode, what exits here (the MSR bitmap lets the readable registers and, with
 * virtual-interrupt delivery, TPR/EOI/SELF IPI writes go virtual, 30.5):
 *   RDMSR  reserved MSRs, EOI, SELF IPI (write-only)                     #GP
 *          TMCCT                                                         computed (vtimer.c)
 *   WRMSR  reserved MSRs, ID, LVR, PPR, LDR, ISR, TMR, IRR, TMCCT        #GP (read-only)
 *          bits 63:32 of a 32-bit register, ICR reserved bits,
 *          non-zero EOI or ESR, SELF IPI bits 63:8, TPR bits 63:8        #GP
 *          everything else                                               vapic_regs.c
 * In xAPIC or disabled mode every x2APIC MSR #GPs (11.12.1.2).
 */
#include "vm/msr_bitmap.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vm/vtimer.h"

static u32 *reg(struct vcpu *v, u32 off)
{
	return &v->vapic[off / 4];
}

static bool x2_readable(u32 off)
{
	switch (off) {
	case APIC_REG_ID:
	case APIC_REG_VER:
	case APIC_REG_TPR:
	case APIC_REG_PPR:
	case APIC_REG_LDR:
	case APIC_REG_SVR:
	case APIC_REG_ESR:
	case APIC_REG_ICR:
	case APIC_REG_TIMER_ICR:
	case APIC_REG_TIMER_CCR:
	case APIC_REG_TIMER_DCR:
		return true;
	}
	return (off >= APIC_REG_ISR && off < APIC_REG_IRR + 0x80) ||
	       (off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR);
}

static bool x2_writable(u32 off)
{
	switch (off) {
	case APIC_REG_TPR:
	case APIC_REG_EOI:
	case APIC_REG_SVR:
	case APIC_REG_ESR:
	case APIC_REG_ICR:
	case APIC_REG_TIMER_ICR:
	case APIC_REG_TIMER_DCR:
	case APIC_REG_SELF_IPI:
		return true;
	}
	return off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR;
}

/* x2APIC mode's MSR bitmap (vm/msr_bitmap.h): the registers the CPU virtualizes go through. */
void vapic_msr_bitmap_init(void)
{
	const struct vmx_controls *c = vmx_get_controls();

	if (!c->x2apic_virt)
		return;
	/* Reads other than TPR are virtual only with APIC-register virtualization (30.5);
	 * TMCCT is computed, so it exits, and so does every register that is not readable. */
	for (u32 m = X2APIC_MSR_BASE; m <= X2APIC_MSR_LAST && c->apic_regs; m++)
		if (x2_readable((m - X2APIC_MSR_BASE) << 4) && m != X2APIC_MSR_TIMER_CCR)
			msr_bitmap_allow(m, true, false, true);
	msr_bitmap_allow(X2APIC_MSR_TPR, true, true, true);
	if (c->vid) {
		msr_bitmap_allow(X2APIC_MSR_EOI, false, true, true);
		msr_bitmap_allow(X2APIC_MSR_SELF_IPI, false, true, true);
	}
}

bool vapic_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	u32 off = (msr - X2APIC_MSR_BASE) << 4;

	if (msr == MSR_IA32_APIC_BASE) {
		*val = v->lapic.base;
		return true;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = vtimer_get_deadline(v);
		return true;
	}
	if (v->lapic.mode != VLAPIC_X2APIC || !x2_readable(off))
		return false;
	if (off == APIC_REG_ICR)
		*val = *reg(v, APIC_REG_ICR) | (u64)*reg(v, APIC_REG_ICR + 4) << 32;
	else
		*val = vlapic_read(v, off);
	return true;
}

static enum vlapic_mode mode_of(u64 base)
{
	if (!(base & APIC_BASE_EN))
		return VLAPIC_DISABLED;
	return (base & APIC_BASE_EXTD) ? VLAPIC_X2APIC : VLAPIC_XAPIC;
}

static bool apic_base_write(struct vcpu *v, u64 val)
{
	enum vlapic_mode from = v->lapic.mode, to = mode_of(val);

	if ((val & ~(APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP)) != APIC_BASE_DEFAULT)
		return false; /* reserved bits, or a base pihv does not map */
	if ((val & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EXTD)
		return false; /* EN=0, EXTD=1: invalid */
	if ((from == VLAPIC_X2APIC && to == VLAPIC_XAPIC) ||
	    (from == VLAPIC_DISABLED && to == VLAPIC_X2APIC))
		return false;
	v->lapic.base = (val & ~APIC_BASE_BSP) | (v->lapic.base & APIC_BASE_BSP);
	if (to == from)
		return true;
	v->lapic.mode = to;
	if (to == VLAPIC_X2APIC) {
		*reg(v, APIC_REG_ID) = v->index;
		*reg(v, APIC_REG_LDR) = vlapic_x2apic_ldr(v->index);
		*reg(v, APIC_REG_DFR) = 0;
		*reg(v, APIC_REG_ICR_HI) = 0;
	} else if (to == VLAPIC_DISABLED) {
		*reg(v, APIC_REG_ID) = v->index << 24;
		vlapic_reset(v);
		vapic_clear_vectors(v);
	}
	vapic_mode_controls(v);
	return true;
}

bool vapic_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	u32 off = (msr - X2APIC_MSR_BASE) << 4;

	if (msr == X2APIC_MSR_ICR && v->lapic.mode == VLAPIC_X2APIC)
		return vapic_icr_write_x2apic(v, val);
	if (msr == MSR_IA32_APIC_BASE)
		return apic_base_write(v, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		vtimer_set_deadline(v, val);
		return true;
	}
	if (v->lapic.mode != VLAPIC_X2APIC || !x2_writable(off))
		return false;
	if (val >> 32)
		return false;
	if (((off == APIC_REG_EOI || off == APIC_REG_ESR) && val) ||
	    ((off == APIC_REG_SELF_IPI || off == APIC_REG_TPR) && (val >> 8)))
		return false;
	vlapic_write(v, off, (u32)val);
	return true;
}
