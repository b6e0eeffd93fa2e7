/*
 * The LAPIC register model, shared by the xAPIC (MMIO) and x2APIC (MSR) front ends.  Registers
 * live in the virtual-APIC page at their xAPIC offsets (SDM Vol. 3A table 11-1), where the CPU's
 * APIC virtualization reads them (SDM Vol. 3C 30.4.1, 30.5) and virtual-interrupt delivery
 * keeps IRR, ISR, PPR and EOI (30.1.2, 30.1.3).  This file gives every register its
 * architectural write semantics: reserved bits read as 0 (or 1 where the SDM says so), read-only
 * registers keep their value, and the writes that do something (SVR, ESR, ICR, LVT timer,
 * TMICT, TDCR) do it.  The front ends add their mode's rules: the x2APIC MSR checks (#GP) in
 * vapic_x2apic.c, the MMIO access sizes in vapic_xapic.c.
 */
#include "arch/x86/atomic.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vm/vtimer.h"

/* Writable bits of the LVT entries (11.5.1, figure 11-8): vector, delivery mode, polarity,
 * trigger, mask, timer mode.  Delivery status (12) and remote IRR (14) are read-only. */
#define LVT_TIMER_BITS	 0x700ffu
#define LVT_DM_BITS	 0x107ffu /* thermal, performance: vector, delivery mode, mask */
#define LVT_LINT_BITS	 0x1a7ffu /* + polarity (13), trigger (15) */
#define LVT_ERROR_BITS	 0x100ffu
#define SVR_BITS	 0x3ffu /* vector, software enable, focus-processor checking (11.9) */
#define DFR_RESERVED_ONE 0x0fffffffu
#define TDCR_BITS	 0xbu

static u32 *reg(struct vcpu *v, u32 off)
{
	return &v->vapic[off / 4];
}

u32 vlapic_x2apic_ldr(u32 id)
{
	/* cluster ID[19:4] in 31:16, one bit for ID[3:0] in 15:0 (11.12.10.2) */
	return ((id >> 4) << 16) | (1u << (id & 15));
}

/*
 * Power-up and INIT values (SDM Vol. 3A 11.4.7.1, 11.12.5.1): everything 0 except DFR (all
 * ones), SVR 0xff (software-disabled) and the LVT entries (masked); the ID and version stay, and
 * in x2APIC mode the LDR is the logical ID derived from the x2APIC ID.
 */
void vlapic_reset(struct vcpu *v)
{
	u32 id = *reg(v, APIC_REG_ID);

	for (u32 off = APIC_REG_TPR; off < 0x400; off += 16)
		if (off < APIC_REG_ISR ||
		    off >= APIC_REG_IRR + 0x80) /* IRR/ISR/TMR: vapic_clear_vectors */
			*reg(v, off) = 0;
	*reg(v, APIC_REG_ID) = id;
	*reg(v, APIC_REG_VER) = APIC_LVR_VALUE;
	*reg(v, APIC_REG_DFR) = 0xffffffffu;
	*reg(v, APIC_REG_SVR) = 0xff;
	for (u32 off = APIC_REG_LVT_TIMER; off <= APIC_REG_LVT_ERROR; off += 16)
		*reg(v, off) = APIC_LVT_MASKED;
	if (v->lapic.mode == VLAPIC_X2APIC) {
		*reg(v, APIC_REG_LDR) = vlapic_x2apic_ldr(id);
		*reg(v, APIC_REG_DFR) = 0;
	}
	store_relaxed(&v->lapic.esr_pending, 0);
	vtimer_lvt_write(v, APIC_LVT_MASKED);
	vtimer_tdcr_write(v, 0);
	vtimer_tmict_write(v, 0);
}

/* PPR (11.8.3.1): the TPR if its class is at least that of the highest in-service vector. */
static u32 ppr(struct vcpu *v)
{
	u32 tpr = *reg(v, APIC_REG_TPR) & 0xff, isrv = 0;

	for (int i = 7; i >= 0; i--) {
		u32 w = *reg(v, APIC_REG_ISR + 16 * (u32)i);
		if (w) {
			isrv = (u32)i * 32 + 31 - (u32)__builtin_clz(w);
			break;
		}
	}
	return (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xf0);
}

u32 vlapic_read(struct vcpu *v, u32 off)
{
	switch (off) {
	case APIC_REG_PPR:
		return ppr(v);
	case APIC_REG_TIMER_CCR:
		return vtimer_tmcct(v);
	case APIC_REG_APR: /* arbitration priority: not kept (a bus-arbitration artifact) */
	case APIC_REG_RRD:
	case APIC_REG_EOI:
	case APIC_REG_SELF_IPI:
	case APIC_REG_LVT_CMCI: /* max LVT entry 5: no CMCI */
		return 0;
	}
	if (off >= 0x400 || (off >= 0x40 && off < APIC_REG_TPR) ||
	    (off > APIC_REG_ESR && off < APIC_REG_ICR) ||
	    (off > APIC_REG_TIMER_CCR && off < APIC_REG_TIMER_DCR))
		return 0; /* reserved */
	return *reg(v, off);
}

static u32 lvt_bits(u32 off)
{
	switch (off) {
	case APIC_REG_LVT_TIMER:
		return LVT_TIMER_BITS;
	case APIC_REG_LVT_LINT0:
	case APIC_REG_LVT_LINT1:
		return LVT_LINT_BITS;
	case APIC_REG_LVT_ERROR:
		return LVT_ERROR_BITS;
	}
	return LVT_DM_BITS;
}

/* SVR (11.4.7.2): clearing the software enable masks every LVT entry. */
static void svr_write(struct vcpu *v, u32 val)
{
	*reg(v, APIC_REG_SVR) = val & SVR_BITS;
	if (val & APIC_SVR_ENABLE)
		return;
	for (u32 off = APIC_REG_LVT_TIMER; off <= APIC_REG_LVT_ERROR; off += 16)
		*reg(v, off) |= APIC_LVT_MASKED;
	vtimer_lvt_write(v, *reg(v, APIC_REG_LVT_TIMER));
}

void vlapic_error(struct vcpu *v, u32 esr_bits, bool own)
{
	u32 lvt = *reg(v, APIC_REG_LVT_ERROR);

	fetch_or(&v->lapic.esr_pending, esr_bits); /* also from a host timer on another pCPU */
	/* the error interrupt, unless masked; an illegal vector there is only recorded */
	if ((lvt & APIC_LVT_MASKED) || (lvt & APIC_LVT_VECTOR_MASK) < 16 ||
	    !vlapic_accepts_fixed(v))
		return;
	if (own)
		vcpu_post_own(v, lvt & APIC_LVT_VECTOR_MASK);
	else
		vcpu_post(v, lvt & APIC_LVT_VECTOR_MASK);
}

void vlapic_write(struct vcpu *v, u32 off, u32 val)
{
	bool x2 = v->lapic.mode == VLAPIC_X2APIC;

	switch (off) {
	case APIC_REG_ID: /* read-only here (an APIC-write exit already stored val): put it back */
		*reg(v, off) = x2 ? v->index : v->index << 24;
		return;
	case APIC_REG_TPR:
		*reg(v, off) = val & 0xff;
		return;
	case APIC_REG_LDR:
		if (!x2)
			*reg(v, off) = val & 0xff000000u;
		return;
	case APIC_REG_DFR:
		if (!x2)
			*reg(v, off) = (val & 0xf0000000u) | DFR_RESERVED_ONE;
		return;
	case APIC_REG_SVR:
		svr_write(v, val);
		return;
	case APIC_REG_ESR:
		/* write-then-read (11.5.3): the write latches the errors seen since the last one */
		*reg(v, off) = xchg(&v->lapic.esr_pending, 0);
		return;
	case APIC_REG_ICR:
		*reg(v, off) =
			val & ~ICR_DELIVERY_STATUS; /* delivered at once: the status reads idle */
		vlapic_send_ipi(v, val,
				x2 ? *reg(v, APIC_REG_ICR + 4) : *reg(v, APIC_REG_ICR_HI) >> 24);
		return;
	case APIC_REG_ICR_HI:
		if (!x2)
			*reg(v, off) = val & 0xff000000u;
		return;
	case APIC_REG_LVT_TIMER:
	case APIC_REG_LVT_THERM:
	case APIC_REG_LVT_PERF:
	case APIC_REG_LVT_LINT0:
	case APIC_REG_LVT_LINT1:
	case APIC_REG_LVT_ERROR:
		val &= lvt_bits(off);
		if (!(*reg(v, APIC_REG_SVR) & APIC_SVR_ENABLE))
			val |= APIC_LVT_MASKED; /* software-disabled: stays masked (11.4.7.2) */
		*reg(v, off) = val;
		if (off == APIC_REG_LVT_TIMER)
			vtimer_lvt_write(v, val);
		return;
	case APIC_REG_TIMER_ICR:
		*reg(v, off) = vtimer_tmict_write(v, val);
		return;
	case APIC_REG_TIMER_DCR:
		*reg(v, off) = val & TDCR_BITS;
		vtimer_tdcr_write(v, val & TDCR_BITS);
		return;
	case APIC_REG_SELF_IPI:
		if (x2)
			vlapic_send_ipi(v, ICR_SELF | (val & ICR_VECTOR_MASK), 0);
		return;
	case APIC_REG_EOI:
		return; /* only without VID: no vISR is kept, nothing to retire */
	}
	/* ID, version, PPR, ISR, TMR, IRR, TMCCT and reserved offsets: writes are ignored */
}
