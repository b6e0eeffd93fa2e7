/*
 * Hardware model: LAPIC IRR per pCPU, interrupt delivery, the CPU's posted-interrupt processing
 * in guest mode (SDM Vol. 3C 29.6) and a posting IOMMU (VT-d 9.11).  Hardware steps are atomic:
 * they run inside one simulator step and never yield.
 */
#include "lib/config.h"
#include "tests/pi_sim/sim.h"

/* x2APIC IDs that differ from the cpu index, so an index used as NDST is caught. */
u32 sim_apic_id(unsigned int cpu)
{
	return 0x10 + 4 * cpu;
}

int sim_cpu_of_apic(u32 apic_id)
{
	int c;

	for (c = 0; c < sim.sc->ncpus; c++)
		if (sim_apic_id(c) == apic_id)
			return c;
	return -1;
}

int sim_vcpu_index(const struct pi_vcpu *pv)
{
	int v;

	for (v = 0; v < sim.sc->nvcpus; v++)
		if (&sim.vcpu[v].pv == pv)
			return v;
	sim_fail("unknown pi_vcpu %p", (const void *)pv);
	return 0;
}

static u32 irr_bit(u8 vector)
{
	if (vector == PI_WAKEUP_VECTOR)
		return 1;
	if (vector == PI_NOTIFY_VECTOR)
		return 2;
	return 4;
}

/* An IPI reaches the LAPIC; the same vector pending twice coalesces, as in the IRR. */
void hw_raise(int c, u8 vector)
{
	if (!sim.cpu[c].online)
		return; /* an offline pCPU drops it */
	if (irr_bit(vector) == 4)
		sim_fail("unexpected vector %#x sent to cpu%d", vector, c);
	sim.cpu[c].irr |= irr_bit(vector);
}

/* Count each vector the guest received; more often than it was posted is a bug. */
void hw_record_delivery(int v, const u64 before[4])
{
	struct sim_vcpu *sv = &sim.vcpu[v];
	unsigned int w, b;

	for (w = 0; w < 4; w++) {
		u64 bits = sv->virr[w] & ~before[w];

		for (b = 0; b < 64; b++) {
			unsigned int vec = w * 64 + b;

			if (!(bits & (1ull << b)))
				continue;
			if (sv->delivered[vec] >= sv->posted[vec])
				sim_fail("vector %#x delivered to vCPU%d more often than posted",
					 vec, v);
			sv->delivered[vec]++;
		}
		/* The guest acknowledges at once: the next delivery must be a new post. */
		sv->virr[w] = 0;
	}
}

/*
 * VM entry again after an exit for a host vector taken in guest mode.  VM entries and exits are
 * not among the serializing instructions (SDM Vol. 3A 9.3), so the model lets stores stay
 * buffered across them; that allows more, never less, than the hardware does.
 */
static void reenter(int c)
{
	struct sim_vcpu *sv = &sim.vcpu[sim.cpu[c].vcpu];
	u64 before[4] = {0};

	(void)pi_enter_guest(&sv->pv, sv->virr);
	hw_record_delivery(sv - sim.vcpu, before);
	sim.cpu[c].in_guest = true;
}

/* Guest mode, vector == NV of the running vCPU's descriptor: SDM 29.6 steps, as one step. */
static void posted_interrupt_processing(int c)
{
	struct sim_vcpu *sv = &sim.vcpu[sim.cpu[c].vcpu];
	u64 before[4] = {0};
	unsigned int w;

	/*
	 * SDM 29.6 clears ON with a locked AND and reads and clears PIR atomically: locked
	 * operations of this CPU, so its store buffer drains first.
	 */
	tso_drain(c);
	__atomic_fetch_and(&sv->pv.desc.control, ~(1ull << PI_CTL_ON_BIT), __ATOMIC_SEQ_CST);
	for (w = 0; w < 4; w++)
		sv->virr[w] |= __atomic_exchange_n(&sv->pv.desc.pir[w], 0, __ATOMIC_SEQ_CST);
	hw_record_delivery(sv - sim.vcpu, before);
}

static void run_wakeup_handler(int c)
{
	struct sim_thread *t = sim_self();
	enum sim_trans saved = t->trans;
	int saved_writes = t->trans_writes;

	sim.cpu[c].in_handler = true;
	sim_trans_begin(t, T_HANDLER);
	pi_wakeup_handler(c);
	sim_trans_end(t);
	t->trans = saved;
	t->trans_writes = saved_writes;
	sim.cpu[c].in_handler = false;
}

void hw_deliver_pending(int c)
{
	struct sim_cpu *pc = &sim.cpu[c];

	while (sim_deliverable(c)) {
		u32 bit = pc->irr & 2 ? 2 : pc->irr & 1 ? 1 : 4; /* 0xf2 outranks 0xf1 */

		pc->irr &= ~bit;
		if (pc->in_guest) {
			if (bit == 2) {
				posted_interrupt_processing(c);
				continue;
			}
			/* Any other vector exits (external-interrupt exiting); IRQs stay off. */
			pc->in_guest = false;
			if (bit == 1)
				run_wakeup_handler(c);
			reenter(c);
			continue;
		}
		/* Root mode, IF=1: the NOTIFY handler only sends EOI (PIR is synced at entry). */
		if (bit == 1) {
			pc->irq_on = false;
			run_wakeup_handler(c);
			pc->irq_on = true;
		}
	}
}

/*
 * The IOMMU has no store buffer: its descriptor updates are atomic in memory (VT-d 9.11), one
 * step here, and it sees only memory (no pCPU's buffered stores).
 */
void hw_iommu_post(int v, u8 vector)
{
	struct sim_vcpu *sv = &sim.vcpu[v];
	u64 ctl;

	if (!sv->irte)
		return; /* no posted IRTE for this vCPU any more */
	sv->posted[vector]++;
	__atomic_fetch_or(&sv->pv.desc.pir[pi_pir_word(vector)], 1ull << pi_pir_bit(vector),
			  __ATOMIC_SEQ_CST);
	ctl = __atomic_load_n(&sv->pv.desc.control, __ATOMIC_SEQ_CST);
	if (pi_ctl_on(ctl) || pi_ctl_sn(ctl))
		return;
	__atomic_store_n(&sv->pv.desc.control, __pi_ctl_set_on(ctl, true), __ATOMIC_SEQ_CST);
	if (sim_cpu_of_apic(pi_ctl_ndst(ctl)) < 0)
		sim_fail("IOMMU: NDST %#x is no pCPU", pi_ctl_ndst(ctl));
	else
		hw_raise(sim_cpu_of_apic(pi_ctl_ndst(ctl)), pi_ctl_nv(ctl));
}
