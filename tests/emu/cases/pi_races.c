/*
 * Live race tests of the posted-interrupt put/block path, each named after the
 * pi/ simulator scenario it mirrors (tests/pi_sim/scenarios.c; docs/pi.md "Live tests").  The
 * guest is guests/pirace.c.  The windows the simulator explores are made to happen on purpose
 * with the vCPU test points of lib/test_seam.h: the test posts, waits for a post, or injects a
 * preemption (test_seam.preempt_blocking) at a named point of the HLT -> block -> put path.
 * Every test asserts counts: host counters (vm/pi_stats.h, struct vcpu_stats), the counts
 * taken at the test points, and the guest's own per-vector counts.
 */
#include "arch/x86/atomic.h"
#include "tests/emu/seam.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "guests/pirace.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "vm/vm.h"
#include "vmx/vmx.h"
#include "tests/emu/cases/pi_cases.h"

#define NPOINTS 5 /* torture modes, see torture_point() */

/* One race test at a time: the state its hooks share. */
static struct race {
	u32 role[VM_MAX_VCPUS], param[VM_MAX_VCPUS];
	void (*on_round)(struct vcpu *v, u32 round);
	u32 round;    /* the halter's current round (PR_OP_ROUND) */
	u32 acted;    /* last round a test point acted in: one action per round */
	u32 injected; /* last round a preemption was injected in */
	u32 mode;     /* torture: this round's point */
	u64 wait_tsc; /* torture: how long a point waits for the post */
	/* counts taken at the test points */
	u64 posts, both_flags, c_with_on, last_block_cpu;
	u64 ctl_cprime;
	u64 hit[NPOINTS], early[NPOINTS], missed[NPOINTS], rounds[NPOINTS];
	/* PR_OP_POST_PREEMPTED results */
	u64 pp_posted, pp_sn, pp_notified, pp_pir, pp_on, pp_other;
} rc;

static u64 post_preempted(struct vcpu *t, u8 vec)
{
	u32 cpu = load_acquire(&t->se.cpu);
	struct sched_rq *rq = &sched_rqs[cpu];
	unsigned long f = spin_lock_irqsave(&rq->lock);
	u64 r = 0, c0, c1, n0;

	/*
	 * RUNNABLE and off every pCPU, under its run queue's lock: it cannot be picked (and so
	 * loaded) until we unlock, so its descriptor is in the preempted state for the whole post.
	 * pi_post takes no scheduler lock while posting is enabled (vm_run enables it).
	 */
	if (t->se.cpu == cpu && t->se.state == SE_RUNNABLE && !t->se.on_cpu &&
	    t->se.nr_switch_in > 0) {
		c0 = load_acquire(&t->pi.desc.control);
		n0 = load_relaxed(&t->st.post_notified);
		vcpu_post(t, vec);
		c1 = load_acquire(&t->pi.desc.control);
		r = PR_PP_POSTED;
		r |= pi_ctl_sn(c0) ? PR_PP_SN : 0;
		r |= load_relaxed(&t->st.post_notified) != n0 ? PR_PP_NOTIFIED : 0;
		r |= load_acquire(&t->pi.desc.pir[pi_pir_word(vec)]) & (1ull << pi_pir_bit(vec))
			     ? PR_PP_PIR
			     : 0;
		r |= pi_ctl_on(c1) ? PR_PP_ON : 0;
		r |= rq->curr && rq->curr != &t->se ? PR_PP_OTHER : 0;
	}
	spin_unlock_irqrestore(&rq->lock, f);
	rc.pp_posted += !!(r & PR_PP_POSTED);
	rc.pp_sn += !!(r & PR_PP_SN);
	rc.pp_notified += !!(r & PR_PP_NOTIFIED);
	rc.pp_pir += !!(r & PR_PP_PIR);
	rc.pp_on += !!(r & PR_PP_ON);
	rc.pp_other += !!(r & PR_PP_OTHER);
	return r;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	struct vcpu *t;

	switch (op) {
	case PR_OP_ROLE:
		return rc.role[v->index] | (u64)rc.param[v->index] << 8;
	case PR_OP_ROUND:
		rc.round = (u32)a;
		if (rc.on_round)
			rc.on_round(v, (u32)a);
		return 0;
	}
	if (a >= v->vm->nr_vcpus)
		return (u64)-1;
	t = v->vm->vcpus[a];
	switch (op) {
	case PR_OP_STATE:
		return t->se.state | (u64)t->se.blocking << 8 | (u64)load_acquire(&t->se.cpu) << 16;
	case PR_OP_WAKE:
		return sched_wake(&t->se);
	case PR_OP_MIGRATE:
		return b < pcpu_count() && sched_migrate(&t->se, (u32)b);
	case PR_OP_POST_PREEMPTED:
		return post_preempted(t, (u8)b);
	}
	return (u64)-1;
}

static void reset(void)
{
	rc = (struct race){0};
}

/*
 * bug07_post_in_block_window: the post lands after the HLT exit's last pending check (odd
 * rounds) or right before pi_put (even rounds), made by the halter's own pCPU from the test
 * point, so ON is already set when pi_put arms the wakeup vector: only pi_put's PI_WAKEUP
 * self-IPI can wake the vCPU.  The second vCPU only watches (bounded wait, FAIL per lost round).
 */
#define BIW_ROUNDS 32

static void biw_point(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	u32 k = rc.round;
	enum vcpu_test_point want = k & 1 ? VTP_HLT_LAST_CHECK : VTP_BEFORE_PUT;
	u64 ctl;

	if (p == VTP_AFTER_PUT && rc.acted == k && blocking) {
		ctl = load_acquire(&v->pi.desc.control);
		rc.c_with_on +=
			pi_ctl_on(ctl) && pi_ctl_nv(ctl) == PI_WAKEUP_VECTOR && !pi_ctl_sn(ctl);
		return;
	}
	if (p != want || rc.acted == k)
		return;
	/* the last check found nothing (still blocking); the put is a plain block */
	if (p == VTP_HLT_LAST_CHECK ? !READ_ONCE(v->se.blocking) : !blocking || preempted)
		return;
	rc.acted = k;
	rc.posts++;
	vcpu_post(v, PR_VECTOR);
}

static void pi_post_in_block_window(void)
{
	u64 self0, wk0;
	struct vm *vm;

	if (!pi_case_need(4, false))
		return;
	reset();
	rc.role[0] = PR_ROLE_HALT;
	rc.param[0] = BIW_ROUNDS;
	rc.role[1] = PR_ROLE_SENDER;
	rc.param[1] = BIW_ROUNDS | PR_NO_SEND;
	if (!(vm = pi_case_vm("pirace", "biw", 2, 2, hook)))
		return;
	vm->poll_max = 0;
	vm->tickless = true;
	tseam_set_point(vm->vcpus[0], biw_point);
	self0 = pi_pcpu_stats[2].self_ipis;
	wk0 = pi_pcpu_stats[2].wakeup_irqs;
	pi_case_run(vm, false);
	struct vcpu *h = vm->vcpus[0], *w = vm->vcpus[1];
	u64 self = pi_pcpu_stats[2].self_ipis - self0, wk = pi_pcpu_stats[2].wakeup_irqs - wk0;
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(rc.posts == BIW_ROUNDS, "%lu posts made in the block window (%u rounds)", rc.posts,
	       BIW_ROUNDS);
	report(rc.c_with_on == BIW_ROUNDS,
	       "put found ON set and armed WAKEUP (state C with ON) "
	       "%lu times",
	       rc.c_with_on);
	report(self == BIW_ROUNDS, "%lu PI_WAKEUP self-IPIs sent by pi_put on pCPU 2", self);
	report(wk >= BIW_ROUNDS && h->st.pi_wakes >= BIW_ROUNDS,
	       "%lu WAKEUP interrupts on pCPU 2, %lu wakes", wk, h->st.pi_wakes);
	report(h->st.posted == BIW_ROUNDS && h->gstat[1] == BIW_ROUNDS,
	       "delivered %lu == posted %lu", h->gstat[1], h->st.posted);
	report(w->gstat[0] == 0, "watcher: %lu lost wakeups", w->gstat[0]);
}
KTEST("pi-post-in-block-window", pi_post_in_block_window,
      "bug07_post_in_block_window: ON already set at put -> WAKEUP self-IPI");

/*
 * bug11_preempted_has_sn: vCPUs 0 and 1 spin on pCPU 2 and take turns by time slice; vCPU 2 on
 * pCPU 0 posts to vCPU 0 only while it is preempted and vCPU 1 runs there (checked under the
 * run-queue lock).  SN must be set, so the post sends no notification and sets no ON; vCPU 1
 * never sees the vector; vCPU 0 gets it once when it runs again.
 */
#define PSN_ROUNDS 8

static void pi_preempted_has_sn(void)
{
	u64 nt0;
	struct vm *vm;

	if (!pi_case_need(4, false))
		return;
	reset();
	rc.role[0] = PR_ROLE_SPIN;
	rc.role[1] = PR_ROLE_SPIN;
	rc.role[2] = PR_ROLE_POST_PREEMPTED;
	rc.param[2] = PSN_ROUNDS;
	if (!(vm = pi_case_vm("pirace", "psn", 3, 2, hook)))
		return;
	pi_case_place(vm, 1, 2, 2);
	nt0 = pi_pcpu_stats[2].notify_irqs;
	pi_case_run(vm, false);
	struct vcpu *a = vm->vcpus[0], *b = vm->vcpus[1];
	report(pi_case_finished(vm), "all vCPUs finished, guest checks passed");
	report(rc.pp_posted == PSN_ROUNDS && rc.pp_other == PSN_ROUNDS,
	       "%lu posts to preempted vCPU 0, vCPU 1 running on its pCPU for %lu", rc.pp_posted,
	       rc.pp_other);
	report(rc.pp_sn == PSN_ROUNDS,
	       "SN=1 in the preempted vCPU's descriptor at %lu of %lu posts", rc.pp_sn,
	       rc.pp_posted);
	report(rc.pp_notified == 0 && a->st.post_notified == 0 && rc.pp_on == 0,
	       "no notification, no ON: %lu notified, ON set %lu times", rc.pp_notified, rc.pp_on);
	report(rc.pp_pir == PSN_ROUNDS, "the vector waited in the PIR %lu times", rc.pp_pir);
	report(pi_pcpu_stats[2].notify_irqs == nt0, "%lu NOTIFY interrupts on pCPU 2",
	       pi_pcpu_stats[2].notify_irqs - nt0);
	report(b->gstat[2] == 0 && b->st.posted == 0, "vCPU 1 received %lu vectors (%lu posted)",
	       b->gstat[2], b->st.posted);
	report(a->gstat[3] == PSN_ROUNDS && a->gstat[2] == PSN_ROUNDS,
	       "vCPU 0 received vector %#x %lu times (%lu vectors in all) == posted %lu", PR_VECTOR,
	       a->gstat[3], a->gstat[2], a->st.posted);
}
KTEST("pi-preempted-has-sn", pi_preempted_has_sn,
      "bug11_preempted_has_sn: a preempted vCPU has SN=1; its posts wait in the PIR");

/*
 * bug03_blocking_preempted_migrated / put_blocking_and_preempted: vCPU 0 halts on pCPU 2 and is
 * preempted between sched_block and the switch (injected at the last-check point), so
 * switch_out sees blocking and preempted (state C': on pCPU 2's list, NV=WAKEUP, SN=1); vCPU 1
 * runs on pCPU 2 meanwhile.  vCPU 2 (pCPU 0) migrates vCPU 0 to pCPU 3, where it is loaded,
 * completes its block, and is then posted: it must wake on pCPU 3.
 */
static void bpm_point(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	if (p == VTP_HLT_LAST_CHECK && !rc.injected && READ_ONCE(v->se.blocking)) {
		rc.injected = 1;
		tseam_inject_preempt_blocking(pcpu_id());
	} else if (p == VTP_AFTER_PUT && blocking && preempted) {
		rc.both_flags++;
		rc.ctl_cprime = load_acquire(&v->pi.desc.control);
	} else if (p == VTP_AFTER_PUT && blocking) {
		rc.last_block_cpu = pcpu_id();
	}
}

static void pi_blocking_preempted_migrated(void)
{
	u64 wk0;
	struct vm *vm;

	if (!pi_case_need(4, false))
		return;
	reset();
	rc.role[0] = PR_ROLE_HALT;
	rc.param[0] = 1;
	rc.role[1] = PR_ROLE_SPIN;
	rc.role[2] = PR_ROLE_CPRIME;
	if (!(vm = pi_case_vm("pirace", "bpm", 3, 2, hook)))
		return;
	vm->poll_max = 0;
	pi_case_place(vm, 0, 2,
		      3); /* starts on pCPU 2; may move only to 3 (keeps the balancer off it) */
	pi_case_place(vm, 1, 2, 2);
	tseam_set_point(vm->vcpus[0], bpm_point);
	wk0 = pi_pcpu_stats[3].wakeup_irqs;
	pi_case_run(vm, true);
	struct vcpu *h = vm->vcpus[0];
	u64 ctl = rc.ctl_cprime, wk = pi_pcpu_stats[3].wakeup_irqs - wk0;
	report(pi_case_finished(vm), "all vCPUs finished, guest checks passed");
	report(rc.both_flags == 1, "switch_out saw blocking and preempted %lu time(s)",
	       rc.both_flags);
	report(pi_ctl_sn(ctl) && pi_ctl_nv(ctl) == PI_WAKEUP_VECTOR &&
		       pi_ctl_ndst(ctl) == pcpu(2)->apic_id,
	       "C' after that put: SN=%d NV=%#x NDST=%#x (pCPU 2 is %#x)", pi_ctl_sn(ctl),
	       pi_ctl_nv(ctl), pi_ctl_ndst(ctl), pcpu(2)->apic_id);
	report(h->se.nr_migrations == 1 && rc.last_block_cpu == 3 && h->ran_on == 3,
	       "migrations %lu, blocked on pCPU %lu, ran last on pCPU %u", h->se.nr_migrations,
	       rc.last_block_cpu, h->ran_on);
	report(wk >= 1 && h->st.pi_wakes >= 1, "%lu WAKEUP interrupts on pCPU 3, %lu wakes", wk,
	       h->st.pi_wakes);
	report(h->st.posted == 1 && h->gstat[1] == 1, "delivered %lu == posted %lu", h->gstat[1],
	       h->st.posted);
}
KTEST("pi-blocking-preempted-migrated", pi_blocking_preempted_migrated,
      "bug03_blocking_preempted_migrated: C' on pCPU 2, migrated to 3, posted: woken on 3");

/*
 * The lost-wakeup torture: a halter (vCPU 0, pCPU 2) and a sender (vCPU 1, pCPU 3), one IPI per
 * round.  Each round forces the sender's post into one window of the put/block path, in
 * rotation (mode = round % NPOINTS):
 *   0 VTP_HLT_CHECKED: after the HLT exit's pending check, before sched_block
 *   1 VTP_HLT_LAST_CHECK: after the last pending check (bug 7: the self-IPI path)
 *   2 a preemption injected between sched_block and sched_switch, the post waited for right
 *     after that put (C': SN=1, PIR only; the block completes after the reload)
 *   3 VTP_AFTER_PUT: right after pi_put(blocking) (NV=WAKEUP: the wakeup handler path)
 *   4 halt-polling on, with a window (2 ms) longer than the sender's delay: no forcing
 * Polling is off in modes 0-3.  The point spins with IRQs off until the post lands (bounded).
 */
#define TORTURE_ROUNDS 10000

static const char *const point_name[NPOINTS] = {
	"hlt_checked", "last_check", "preempt_blocking", "after_put", "halt_poll",
};

static void torture_round(struct vcpu *v, u32 k)
{
	rc.mode = k % NPOINTS;
	rc.rounds[rc.mode]++;
	v->vm->poll_max = rc.mode == 4 ? timer_us_to_tsc(2000) : 0;
	v->poll_tsc = v->vm->poll_max;
}

static void wait_post(struct vcpu *v)
{
	u64 end;

	if (rc.acted == rc.round)
		return;
	rc.acted = rc.round;
	if (pi_has_pending(&v->pi)) {
		rc.early[rc.mode]++;
		return;
	}
	end = rdtsc() + rc.wait_tsc;
	while (!pi_has_pending(&v->pi)) {
		if (rdtsc() > end) {
			rc.missed[rc.mode]++;
			return;
		}
		cpu_relax();
	}
	rc.hit[rc.mode]++;
}

static void torture_point(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	switch (rc.mode) {
	case 0:
		if (p == VTP_HLT_CHECKED)
			wait_post(v);
		break;
	case 1:
		if (p == VTP_HLT_LAST_CHECK && READ_ONCE(v->se.blocking))
			wait_post(v);
		break;
	case 2:
		if (p == VTP_HLT_LAST_CHECK && rc.injected != rc.round &&
		    READ_ONCE(v->se.blocking)) {
			rc.injected = rc.round;
			tseam_inject_preempt_blocking(pcpu_id());
		} else if (p == VTP_AFTER_PUT && blocking && preempted) {
			rc.both_flags++;
			wait_post(v);
		}
		break;
	case 3:
		if (p == VTP_AFTER_PUT && blocking && !preempted)
			wait_post(v);
		break;
	}
}

static void pi_lost_wakeup_torture(void)
{
	u64 self0, wk0, t0;
	struct vm *vm;

	if (!pi_case_need(4, false))
		return;
	reset();
	rc.role[0] = PR_ROLE_HALT;
	rc.param[0] = TORTURE_ROUNDS;
	rc.role[1] = PR_ROLE_SENDER;
	rc.param[1] = TORTURE_ROUNDS;
	rc.on_round = torture_round;
	rc.wait_tsc = timer_us_to_tsc(2000);
	if (!(vm = pi_case_vm("pirace", "tor", 2, 2, hook)))
		return;
	vm->tickless = true;
	tseam_set_point(vm->vcpus[0], torture_point);
	self0 = pi_pcpu_stats[2].self_ipis;
	wk0 = pi_pcpu_stats[2].wakeup_irqs;
	t0 = rdtsc();
	pi_case_run(vm, false);
	t0 = rdtsc() - t0;
	struct vcpu *h = vm->vcpus[0], *s = vm->vcpus[1];
	u64 self = pi_pcpu_stats[2].self_ipis - self0, wk = pi_pcpu_stats[2].wakeup_irqs - wk0;
	u64 forced = 0;

	for (u32 m = 0; m < NPOINTS; m++)
		printk("torture: %-16s rounds %lu: post in the window %lu, before it %lu, "
		       "never came %lu\n",
		       point_name[m], rc.rounds[m], rc.hit[m], rc.early[m], rc.missed[m]);
	printk("torture: halter blocks %lu, halt-poll hits %lu, hlt_pending %lu, self-IPIs %lu, "
	       "WAKEUP irqs %lu, wakes %lu, C' puts %lu; %lu TSC ticks\n",
	       h->st.blocks, h->st.poll_hits, h->st.hlt_pending, self, wk, h->st.pi_wakes,
	       rc.both_flags, t0);
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(s->gstat[2] == TORTURE_ROUNDS && s->gstat[0] == 0, "%lu rounds, %lu lost wakeups",
	       s->gstat[2], s->gstat[0]);
	report(h->st.posted == TORTURE_ROUNDS && h->gstat[1] == TORTURE_ROUNDS,
	       "delivered %lu == posted %lu", h->gstat[1], h->st.posted);
	for (u32 m = 0; m < 4; m++) {
		forced += rc.hit[m];
		report(rc.hit[m] * 10 >= rc.rounds[m] * 9,
		       "%s: the post landed in the window in "
		       "%lu of %lu rounds",
		       point_name[m], rc.hit[m], rc.rounds[m]);
	}
	report(rc.both_flags == rc.rounds[2],
	       "injected preemptions: switch_out saw blocking and "
	       "preempted %lu times in %lu rounds",
	       rc.both_flags, rc.rounds[2]);
	report(self >= rc.hit[1] + rc.hit[2],
	       "%lu self-IPIs >= %lu posts in the last-check and C' "
	       "windows",
	       self, rc.hit[1] + rc.hit[2]);
	report(h->st.poll_hits * 10 >= rc.rounds[4] * 9,
	       "halt-poll rounds: %lu hits, %lu misses in %lu rounds", h->st.poll_hits,
	       h->st.poll_misses, rc.rounds[4]);
	printk("BENCH: torture_rounds %lu rounds\n", s->gstat[2]);
	printk("BENCH: torture_lost %lu wakeups\n", s->gstat[0]);
	printk("BENCH: torture_forced %lu posts\n", forced);
}
KTEST("pi-lost-wakeup-torture", pi_lost_wakeup_torture,
      "halter/sender, 10^4 rounds, posts forced into each window of the put/block path");
