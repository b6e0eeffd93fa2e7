/*
 * pi-broadcast-logical (docs/pi.md, known bug 18, second half): an IPI that names its
 * targets by a shorthand, a broadcast or a logical destination must wake every halted target
 * and no other vCPU.  Guest: guests/piattach.c.  vCPU 0 sends (PA_ROLE_IPI_SEND), vCPUs 1-3 halt
 * with IF=1 (PA_ROLE_IPI_HALT), vCPU i on pCPU i, halt-polling off.  Before each IPI the host
 * step waits (bounded) until vCPUs 1-3 are blocked armed (SN=0, NV=WAKEUP, listed), so each
 * delivery is a wakeup: vm/vapic.c icr_write -> vcpu_post per target -> pi_post -> WAKEUP.
 * Asserted from both sides: the guest's per-vector receive counts (HC_STAT_IRQ_COUNTS, read in
 * guest memory), and the host's posts, ICR posts, wakes, blocks and WAKEUP interrupts.
 * Without posted-interrupt processing (the -haswell entry) the counts are the same: pi_post
 * still sets PIR/ON in the descriptor and sends its NV, the WAKEUP vector of a blocked vCPU.
 */
#include "arch/x86/atomic.h"
#include "guests/piattach.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "vm/vm.h"
#include "tests/emu/cases/pi_cases.h"

#define ROUNDS	     8
#define VCPUS	     4
#define STEP_WAIT_US 100000 /* the host step waits this long for the halters to block */

/* Each kind's vector and the vCPUs that must get it once a round (guests/piattach.c sends). */
static const struct {
	u8 vec;
	u32 targets; /* bitmap of vCPU indexes */
} kinds[] = {
	{PA_IPI_ALL_BUT_SELF, 0xe},  /* (a) shorthand: all but the sender */
	{PA_IPI_PHYS_BCAST, 0xf},    /* (b) physical 0xffffffff: the sender too */
	{PA_IPI_LOGICAL, 0xa},	     /* (c) logical cluster 0, bitmap {1, 3}: not 2 */
	{PA_IPI_LOGICAL_BCAST, 0xf}, /* logical 0xffffffff */
	{PA_IPI_OTHER_CLUSTER, 0},   /* logical cluster 1: nobody */
};

static struct ipi_counts {
	u64 steps, armed, timeouts;
} ipi;

/* PA_OP_STEP, in vCPU 0's exit with IRQs off: every halter blocked armed on its pCPU. */
static long step(struct vm *vm)
{
	bool ok = true;

	ipi.steps++;
	for (u32 i = 1; i < vm->nr_vcpus; i++)
		ok &= pi_case_wait_armed(vm->vcpus[i], vm->vcpus[i]->pcpu, STEP_WAIT_US,
					 &ipi.timeouts);
	ipi.armed += ok;
	return ok ? 0 : -1;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	switch (op) {
	case PA_OP_ROLE:
		return v->index ? PA_ROLE_IPI_HALT : PA_ROLE_IPI_SEND | (u64)ROUNDS << 8;
	case PA_OP_STEP:
		return (u64)step(v->vm);
	case PA_OP_WAKE:
		return a < v->vm->nr_vcpus && sched_wake(&v->vm->vcpus[a]->se);
	}
	return (u64)-1;
}

/* IPIs of all kinds that target vCPU i in the whole run. */
static u32 targeted(u32 i)
{
	u32 n = 0;

	for (u32 j = 0; j < ARRAY_SIZE(kinds); j++)
		n += (kinds[j].targets >> i) & 1;
	return n * ROUNDS;
}

/* The guest's receive counts of vCPU v match the table exactly; one line per vCPU. */
static void check_vectors(struct vcpu *v)
{
	u64 gpa = load_relaxed(&v->gstat[HC_STAT_IRQ_COUNTS]);
	const u32 *n = gpa ? vm_gpa_to_host(v->vm, gpa, 256 * sizeof(u32)) : NULL;
	bool ok = n;
	u32 got[ARRAY_SIZE(kinds)] = {0}, want[ARRAY_SIZE(kinds)];

	for (u32 j = 0; j < ARRAY_SIZE(kinds); j++) {
		want[j] = (kinds[j].targets >> v->index) & 1 ? ROUNDS : 0;
		got[j] = n ? load_relaxed(&n[kinds[j].vec]) : 0;
		ok &= got[j] == want[j];
	}
	static_assert(ARRAY_SIZE(kinds) == 5, "one %u per kind below");
	report(ok, "vCPU %u received %#x-%#x: %u %u %u %u %u (want %u %u %u %u %u)", v->index,
	       kinds[0].vec, kinds[4].vec, got[0], got[1], got[2], got[3], got[4], want[0], want[1],
	       want[2], want[3], want[4]);
}

static void pi_broadcast_logical(void)
{
	u64 wk0[VCPUS];
	struct vm *vm;

	if (!pi_case_need(VCPUS, false))
		return;
	ipi = (struct ipi_counts){0};
	if (!(vm = pi_case_vm("piattach", "bcl", VCPUS, 0, hook)))
		return;
	vm->poll_max = 0; /* a HLT with nothing pending blocks at once */
	for (u32 c = 0; c < VCPUS; c++)
		wk0[c] = pi_pcpu_stats[c].wakeup_irqs;
	pi_case_run(vm, false);
	report(pi_case_finished(vm), "all vCPUs finished, guest checks passed");
	report(ipi.armed == ROUNDS * ARRAY_SIZE(kinds) && ipi.steps == ipi.armed,
	       "vCPUs 1-3 blocked armed before %lu of %lu IPIs (%lu timeouts)", ipi.armed,
	       ipi.steps, ipi.timeouts);
	for (u32 i = 0; i < VCPUS; i++) {
		struct vcpu *v = vm->vcpus[i];

		report(v->gstat[3] == ((i >> 4) << 16 | 1u << (i & 15)),
		       "vCPU %u read LDR %#lx (SDM 11.12.10.2: cluster 0, bit %u)", i, v->gstat[3],
		       i);
		check_vectors(v);
	}
	struct vcpu *s = vm->vcpus[0];
	u32 sent = targeted(0) + targeted(1) + targeted(2) + targeted(3) + (VCPUS - 1);
	report(s->st.vipis_sent == sent && s->st.posted == targeted(0),
	       "sender: %lu ICR posts (want %u), %lu to itself (want %u)", s->st.vipis_sent, sent,
	       s->st.posted, targeted(0));
	/*
	 * Each of a halter's IPIs, and PA_IPI_END (+1), found it blocked armed: the step made
	 * sure, and the last kind before the END targets nobody.  So every post ended one block
	 * with one WAKEUP interrupt on the halter's pCPU and one wake: all four counts are equal.
	 */
	for (u32 i = 1; i < VCPUS; i++) {
		struct vcpu *h = vm->vcpus[i];
		u64 wk = pi_pcpu_stats[h->pcpu].wakeup_irqs - wk0[h->pcpu];
		u32 n = targeted(i) + 1;

		report(h->st.posted == n && h->st.blocks == n && h->st.pi_wakes == n && wk == n,
		       "vCPU %u: posted %lu, blocks %lu, wakes %lu, WAKEUP irqs on pCPU %u %lu "
		       "(want %u each)",
		       i, h->st.posted, h->st.blocks, h->st.pi_wakes, h->pcpu, wk, n);
	}
}
KTEST("pi-broadcast-logical", pi_broadcast_logical,
      "bug 18: shorthand, broadcast and logical IPIs wake exactly their halted targets");
