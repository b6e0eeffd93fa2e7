/*
 * Inter-processor interrupts from the guest's ICR (SDM Vol. 3A 11.6.1; x2APIC 11.12.9): the
 * destination (a shorthand, or physical / logical in the sender's mode) selects vCPUs of the
 * sender's VM, and the delivery mode says what each one gets:
 *
 *   fixed            vcpu_post(vector) to every target that accepts it (LAPIC enabled and
 *                    software-enabled, vCPU started); vector < 16: not sent, ESR "send illegal
 *                    vector" (11.5.3)
 *   lowest priority  the same, to the one target with the lowest TPR (ties: lowest index)
 *   NMI              an NMI injected into each target (vnmi.c); the vector is ignored
 *   INIT             each target resets its LAPIC and waits for a SIPI (vcpu_start.c);
 *                    "INIT level de-assert" (level 0, trigger level) does nothing (11.6.1)
 *   start-up (SIPI)  each target waiting for a SIPI starts in real mode at vector << 12
 *   SMI, 011b, 111b  ignored (no SMM; reserved)
 *
 * Destinations (11.6.2): xAPIC physical: the 8-bit APIC ID (the vCPU index), 0xff all; xAPIC
 * logical: flat (DFR model 1111b: the LDR's 8-bit mask) or cluster (0000b: cluster in 7:4,
 * members in 3:0, cluster 15 all), each target by its own LDR/DFR; x2APIC physical: the 32-bit
 * ID; x2APIC logical: cluster in 31:16, member bitmap in 15:0 (11.12.10.2); 0xffffffff is the
 * broadcast in both x2APIC destination modes.
 */
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vcpu_start.h"
#include "vm/vm.h"

static bool xapic_logical_match(const struct vcpu *t, u32 dest)
{
	u32 ldr = t->vapic[APIC_REG_LDR / 4] >> 24, dfr = t->vapic[APIC_REG_DFR / 4] >> 28;

	if (dest == 0xff)
		return true; /* broadcast in both models */
	if (t->lapic.mode != VLAPIC_XAPIC)
		return false;
	if (dfr == 0xf)
		return ldr & dest; /* flat */
	if ((dest >> 4) == 0xf)
		return ldr & dest & 0xf; /* cluster 15: these members of every cluster */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

/* Does the no-shorthand destination dest select t? */
static bool dest_match(const struct vcpu *v, const struct vcpu *t, u32 dest, bool logical)
{
	if (v->lapic.mode == VLAPIC_X2APIC) {
		u32 ldr = vlapic_x2apic_ldr(t->index);

		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == t->index;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffffu);
	}
	dest &= 0xff;
	if (!logical)
		return dest == 0xff || dest == t->index;
	return xapic_logical_match(t, dest);
}

static bool selected(const struct vcpu *v, const struct vcpu *t, u32 sh, u32 dest, bool logical)
{
	switch (sh) {
	case ICR_SELF:
		return t == v;
	case ICR_ALL:
		return true;
	case ICR_ALL_BUT_SELF:
		return t != v;
	}
	return dest_match(v, t, dest, logical);
}

static void post_fixed(struct vcpu *v, struct vcpu *t, u8 vec)
{
	if (!vlapic_accepts_fixed(t))
		return;
	v->st.vipis_sent++;
	if (t == v)
		vcpu_post_own(t, vec);
	else
		vcpu_post(t, vec);
}

/* Every target but the fixed physical one: shorthands, broadcasts, logical, other modes. */
static __attribute__((noinline)) void send_many(struct vcpu *v, u32 icr, u32 dest)
{
	u32 mode = icr & ICR_MODE_MASK, sh = icr & ICR_SHORTHAND_MASK;
	bool logical = icr & ICR_LOGICAL;
	struct vm *vm = v->vm;
	struct vcpu *low = NULL;
	u8 vec = icr & ICR_VECTOR_MASK;

	if (mode == ICR_INIT && !(icr & ICR_LEVEL_ASSERT) && (icr & ICR_TRIGGER_LEVEL))
		return; /* INIT level de-assert */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];

		if (!selected(v, t, sh, dest, logical))
			continue;
		switch (mode) {
		case ICR_FIXED:
			post_fixed(v, t, vec);
			break;
		case ICR_LOWEST:
			if (vlapic_accepts_fixed(t) &&
			    (!low || (t->vapic[APIC_REG_TPR / 4] & 0xff) <
					     (low->vapic[APIC_REG_TPR / 4] & 0xff)))
				low = t;
			break;
		case ICR_NMI:
			vnmi_send(v, t);
			break;
		case ICR_INIT:
			vcpu_start_init(v, t);
			break;
		case ICR_STARTUP:
			vcpu_start_sipi(v, t, vec);
			break;
		}
	}
	if (low)
		post_fixed(v, low, vec);
}

/* Inlined into both callers: the x2APIC ICR write is the hot one. */
static inline __attribute__((always_inline)) void send_ipi(struct vcpu *v, u32 icr, u32 dest)
{
	u32 mode = icr & ICR_MODE_MASK;
	bool x2 = v->lapic.mode == VLAPIC_X2APIC;
	u8 vec = icr & ICR_VECTOR_MASK;

	if (mode == ICR_FIXED || mode == ICR_LOWEST) {
		if (vec < 16) {
			vlapic_error(v, APIC_ESR_SEND_ILLEGAL, true);
			return;
		}
		/* The usual IPI: fixed, no shorthand, one physical ID, which is the vCPU's index.
		 */
		if (!(icr & (ICR_MODE_MASK | ICR_LOGICAL | ICR_SHORTHAND_MASK)) &&
		    dest != (x2 ? 0xffffffffu : 0xff)) {
			if (dest < v->vm->nr_vcpus)
				post_fixed(v, v->vm->vcpus[dest], vec);
			return;
		}
	} else if (mode != ICR_NMI && mode != ICR_INIT && mode != ICR_STARTUP) {
		return; /* SMI and the reserved modes */
	}
	send_many(v, icr, dest);
}

void vlapic_send_ipi(struct vcpu *v, u32 icr, u32 dest)
{
	send_ipi(v, icr, dest);
}

bool vapic_icr_write_x2apic(struct vcpu *v, u64 val)
{
	if ((u32)val & X2APIC_ICR_RESERVED)
		return false;
	/* the register keeps what was written (delivery status is reserved: idle) */
	v->vapic[APIC_REG_ICR / 4] = (u32)val;
	v->vapic[APIC_REG_ICR / 4 + 1] = val >> 32;
	send_ipi(v, (u32)val, val >> 32);
	return true;
}
