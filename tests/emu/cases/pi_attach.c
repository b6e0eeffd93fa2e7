/*
 * Live counterparts of the pi/ simulator scenarios about posting being enabled
 * and disabled (device attach/detach), pending checks, and the VM-entry window, each named after
 * its scenario (tests/pi_sim/scenarios.c; docs/pi.md "Live tests").  The guest is
 * guests/piattach.c: vCPU 0 receives PA_VECTOR, a driver vCPU on another pCPU asks the host, once
 * per round, to play the scenario's other thread (PA_OP_STEP).  The host step runs in the
 * driver's HC_TEST exit, IRQs off, and waits (bounded by the TSC) for vCPU 0 to reach the
 * scenario's state before it disables or enables posting, migrates or posts.  Every test asserts
 * counts: what the step saw in the descriptor, host counters (vm/pi_stats.h) and the guest's
 * per-vector counts.
 */
#include "arch/x86/atomic.h"
#include "tests/emu/seam.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "guests/piattach.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "vm/vm.h"
#include "vmx/vmx.h"
#include "tests/emu/cases/pi_cases.h"

#define ROUNDS	     8
#define STEP_WAIT_US 100000 /* a host step waits this long for vCPU 0's state */

/* One test at a time: the state its hooks share, and the counts they take. */
static struct att {
	u32 role[VM_MAX_VCPUS], param[VM_MAX_VCPUS];
	long (*step)(struct vm *vm, u32 k);	 /* PA_OP_STEP, on the driver's pCPU */
	void (*on_round)(struct vcpu *v, u32 k); /* PA_OP_ROUND, on vCPU 0's pCPU */
	u32 round, acted;
	u64 seen, posted, sn, on, pir, pending, notified, kicks, armed, migrated, timeouts;
} at;

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	switch (op) {
	case PA_OP_ROLE:
		return at.role[v->index] | (u64)at.param[v->index] << 8;
	case PA_OP_ROUND:
		at.round = (u32)a;
		if (at.on_round)
			at.on_round(v, (u32)a);
		return 0;
	case PA_OP_STEP:
		return at.step ? (u64)at.step(v->vm, (u32)a) : (u64)-1;
	case PA_OP_WAKE:
		return a < v->vm->nr_vcpus && sched_wake(&v->vm->vcpus[a]->se);
	}
	return (u64)-1;
}

/* A VM of the piattach guest, vCPU i on pCPU (first + i) % online, roles from at. */
static struct vm *make(const char *name, u32 vcpus, u32 first)
{
	struct vm *vm = pi_case_vm("piattach", name, vcpus, first, hook);

	if (vm)
		vm->poll_max = 0; /* a HLT with nothing pending blocks at once */
	return vm;
}

/*
 * The common cast, as a VM named name: vCPU 0 (pCPU 2) halts for rounds rounds, vCPU 1 (pCPU 3)
 * drives them once vCPU 0 is ready; step plays the other thread, on_round runs on vCPU 0's
 * pCPU as each round starts.  NULL (with a FAIL line) if the VM cannot be made.
 */
static struct vm *halter_and_driver(const char *name, u32 rounds,
				    long (*step)(struct vm *vm, u32 k),
				    void (*on_round)(struct vcpu *v, u32 k))
{
	at = (struct att){.role = {PA_ROLE_HALT, PA_ROLE_DRIVER},
			  .param = {rounds, rounds | PA_WAIT_READY},
			  .step = step,
			  .on_round = on_round};
	return make(name, 2, 2);
}

static bool pir_has(struct vcpu *v, u8 vec)
{
	return load_acquire(&v->pi.desc.pir[pi_pir_word(vec)]) & (1ull << pi_pir_bit(vec));
}

/* Blocked and switched out (its put is done). */
static bool blocked(struct vcpu *v)
{
	return load_acquire(&v->se.state) == SE_BLOCKED && !load_acquire(&v->se.on_cpu);
}

/* State D' of docs/pi.md: blocked without the wakeup vector (SN=1, NV=NOTIFY, on no list). */
static bool blocked_unarmed(struct vcpu *v)
{
	u64 c = pi_case_ctl(v);

	return blocked(v) && pi_ctl_sn(c) && pi_ctl_nv(c) == PI_NOTIFY_VECTOR &&
	       list_empty(&v->pi.wakeup_link);
}

/* State C: blocked with the wakeup vector armed (SN=0, NV=WAKEUP, on a list). */
static bool blocked_armed(struct vcpu *v)
{
	u64 c = pi_case_ctl(v);

	return blocked(v) && !pi_ctl_sn(c) && pi_ctl_nv(c) == PI_WAKEUP_VECTOR &&
	       !list_empty(&v->pi.wakeup_link);
}

/* Spins (IRQs off, in the driver's exit) until cond(v) or STEP_WAIT_US. */
static bool wait_for(bool (*cond)(struct vcpu *), struct vcpu *v)
{
	u64 end = rdtsc() + timer_us_to_tsc(STEP_WAIT_US);

	while (!cond(v)) {
		if (rdtsc() > end) {
			at.timeouts++;
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* Posts PA_VECTOR to v and counts whether pi_post sent a notification. */
static void post(struct vcpu *v)
{
	u64 n0 = load_relaxed(&v->st.post_notified);

	vcpu_post(v, PA_VECTOR);
	at.posted++;
	at.notified += load_relaxed(&v->st.post_notified) != n0;
}

/*
 * Runs fn(v) under the run-queue lock of v's pCPU once pred(v) holds there (bounded).  Under
 * that lock v cannot be picked, preempted or switched in, so its descriptor state holds still.
 */
static bool under_rq_lock(struct vcpu *v, bool (*pred)(struct vcpu *), void (*fn)(struct vcpu *))
{
	u64 end = rdtsc() + timer_us_to_tsc(STEP_WAIT_US);

	for (;;) {
		u32 cpu = load_acquire(&v->se.cpu);
		struct sched_rq *rq = &sched_rqs[cpu];
		unsigned long f = spin_lock_irqsave(&rq->lock);
		bool ok = v->se.cpu == cpu && pred(v);

		if (ok)
			fn(v);
		spin_unlock_irqrestore(&rq->lock, f);
		if (ok)
			return true;
		if (rdtsc() > end) {
			at.timeouts++;
			return false;
		}
		for (u32 i = 0; i < 200; i++)
			cpu_relax();
	}
}

/* State B: preempted, runnable, its put done (on_cpu is cleared only after pi_put). */
static bool preempted(struct vcpu *v)
{
	return v->se.state == SE_RUNNABLE && !v->se.on_cpu && v->se.nr_switch_in > 0;
}

/*
 * bug02_pending_is_pir: vCPU 0 spins with IF=0 on pCPU 2 and shares it with vCPU 1 by time
 * slice.  The step posts while vCPU 0 is preempted (SN=1): only the PIR bit is set, and
 * pi_has_pending must see it (what the HLT path and the scheduler ask).  vCPU 0 then runs
 * again and executes `sti; hlt`: it must not block, and gets the vector.
 */
static void pir_post(struct vcpu *v)
{
	u64 c0 = pi_case_ctl(v), c1;

	post(v);
	c1 = pi_case_ctl(v);
	at.seen++;
	at.sn += pi_ctl_sn(c0);
	at.on += pi_ctl_on(c1);
	at.pir += pir_has(v, PA_VECTOR);
	at.pending += pi_has_pending(&v->pi);
}

static long pir_step(struct vm *vm, u32 k)
{
	return under_rq_lock(vm->vcpus[0], preempted, pir_post) ? (long)PA_STEP_GO : -1;
}

static void pi_pending_is_pir(void)
{
	struct vm *vm;

	if (!pi_case_need(4, true))
		return;
	at = (struct att){.role = {PA_ROLE_CLI_WAIT_HLT, PA_ROLE_SPIN, PA_ROLE_DRIVER},
			  .param = {ROUNDS, 0, ROUNDS | PA_WAIT_READY},
			  .step = pir_step};
	if (!(vm = make("pir", 3, 2)))
		return;
	pi_case_place(vm, 1, 2, 2);
	pi_case_run(vm, false);
	struct vcpu *a = vm->vcpus[0], *b = vm->vcpus[1];
	report(pi_case_finished(vm), "all vCPUs finished, guest checks passed");
	report(at.seen == ROUNDS && at.sn == ROUNDS,
	       "%lu posts to vCPU 0 while preempted with SN=1 (%lu)", at.seen, at.sn);
	report(at.on == 0 && at.notified == 0 && at.pir == ROUNDS,
	       "SN=1, ON=0, PIR set after %lu of %lu posts (ON %lu, notified %lu)", at.pir, at.seen,
	       at.on, at.notified);
	report(at.pending == ROUNDS, "pi_has_pending saw the PIR bit %lu of %lu times", at.pending,
	       at.seen);
	report(a->st.blocks == 0,
	       "vCPU 0 blocked %lu times in %u `sti; hlt` rounds (HLT with the "
	       "vector pending %lu)",
	       a->st.blocks, ROUNDS, a->st.hlt_pending);
	report(a->gstat[1] == ROUNDS && a->st.posted == ROUNDS, "delivered %lu == posted %lu",
	       a->gstat[1], a->st.posted);
	report(b->gstat[2] == 0, "vCPU 1 (same pCPU) received %lu vectors", b->gstat[2]);
}
KTEST("pi-pending-is-pir", pi_pending_is_pir,
      "bug02_pending_is_pir: SN=1, ON=0, PIR!=0 is pending; the HLT after it does not block");

/*
 * bug05_enable_while_halted: at the start of each round vCPU 0 (pCPU 2) has posting disabled
 * (PA_OP_ROUND), so its HLT blocks without the wakeup vector (D').  The step, on pCPU 0, sees
 * it blocked in D', enables posting (pi_enable_posting must kick it), waits until it has
 * re-blocked armed (C), and posts as a device would: the WAKEUP vector must wake it.
 */
static void disable_posting(struct vcpu *v, u32 k)
{
	pi_disable_posting(&v->pi);
}

static long enable_step(struct vm *vm, u32 k)
{
	struct vcpu *v = vm->vcpus[0];
	u64 w0;

	at.seen += wait_for(blocked_unarmed, v);
	w0 = load_relaxed(&v->st.pi_wakes);
	pi_enable_posting(&v->pi);
	at.kicks += load_relaxed(&v->st.pi_wakes) - w0;
	at.armed += wait_for(blocked_armed, v);
	post(v);
	return 0;
}

static void pi_enable_while_halted(void)
{
	u64 wk0;
	struct vm *vm;

	if (!pi_case_need(4, true))
		return;
	if (!(vm = halter_and_driver("ena", ROUNDS, enable_step, disable_posting)))
		return;
	pi_case_place(vm, 1, 0, 0);
	wk0 = pi_pcpu_stats[2].wakeup_irqs;
	pi_case_run(vm, false);
	struct vcpu *h = vm->vcpus[0];
	u64 wk = pi_pcpu_stats[2].wakeup_irqs - wk0;
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(at.seen == ROUNDS,
	       "vCPU 0 blocked without the wakeup vector (SN=1, NV=NOTIFY, "
	       "on no list) in %lu of %u rounds",
	       at.seen, ROUNDS);
	report(at.kicks == ROUNDS, "pi_enable_posting woke it %lu times", at.kicks);
	report(at.armed == ROUNDS, "it re-blocked armed (SN=0, NV=WAKEUP, listed) %lu times",
	       at.armed);
	report(wk >= ROUNDS && at.notified == ROUNDS,
	       "%lu notifications, %lu WAKEUP interrupts on pCPU 2", at.notified, wk);
	report(h->gstat[1] == ROUNDS && h->st.posted == ROUNDS, "delivered %lu == posted %lu",
	       h->gstat[1], h->st.posted);
}
KTEST("pi-enable-while-halted", pi_enable_while_halted,
      "bug05_enable_while_halted: enabling posting kicks a vCPU blocked without WAKEUP");

/*
 * bug15_disable_while_preempted: vCPUs 0 and 1 spin on pCPU 2 by time slice.  Each round the
 * step disables posting for vCPU 0 while it is preempted (SN=1), waits until it was loaded and
 * runs again (a slice is 4 ms: it is still running when the post follows), and posts: pi_load
 * must have cleared SN whatever the flag says, so the post notifies the running vCPU.  Posting
 * is re-enabled at the start of the next round.
 */
static u64 loads0;

static void disable_now(struct vcpu *v)
{
	at.seen++;
	at.sn += pi_ctl_sn(pi_case_ctl(v));
	pi_disable_posting(&v->pi);
	loads0 = v->st.loads;
}

/* rq->curr and loaded since the disable: SN must be 0 now */
static bool running_again(struct vcpu *v)
{
	return sched_rqs[v->se.cpu].curr == &v->se && load_relaxed(&v->st.loads) > loads0;
}

static void sn_running(struct vcpu *v)
{
	at.armed += !pi_ctl_sn(pi_case_ctl(v));
}

static long disable_step(struct vm *vm, u32 k)
{
	struct vcpu *v = vm->vcpus[0];

	pi_enable_posting(&v->pi);
	if (!under_rq_lock(v, preempted, disable_now) ||
	    !under_rq_lock(v, running_again, sn_running))
		return -1;
	/* after the unlock: with posting disabled pi_post kicks, which takes the rq lock */
	post(v);
	return 0;
}

static void pi_disable_while_preempted(void)
{
	struct vm *vm;

	if (!pi_case_need(4, true))
		return;
	at = (struct att){.role = {PA_ROLE_SPIN, PA_ROLE_SPIN, PA_ROLE_DRIVER},
			  .param = {0, 0, ROUNDS},
			  .step = disable_step};
	if (!(vm = make("dwp", 3, 2)))
		return;
	pi_case_place(vm, 1, 2, 2);
	pi_case_run(vm, false);
	struct vcpu *a = vm->vcpus[0], *b = vm->vcpus[1];
	report(pi_case_finished(vm), "all vCPUs finished, guest checks passed");
	report(at.seen == ROUNDS && at.sn == ROUNDS,
	       "posting disabled %lu times while vCPU 0 was preempted with SN=1 (%lu)", at.seen,
	       at.sn);
	report(at.armed == ROUNDS, "SN=0 after its next load in %lu of %lu rounds", at.armed,
	       at.posted);
	report(at.notified == ROUNDS, "%lu of %lu posts to the running vCPU sent a notification",
	       at.notified, at.posted);
	report(a->gstat[1] == ROUNDS && a->st.posted == ROUNDS, "delivered %lu == posted %lu",
	       a->gstat[1], a->st.posted);
	report(b->gstat[2] == 0, "vCPU 1 (same pCPU) received %lu vectors", b->gstat[2]);
}
KTEST("pi-disable-while-preempted", pi_disable_while_preempted,
      "bug15_disable_while_preempted: pi_load clears SN with posting disabled");

/*
 * bug04_detach_while_blocked: each round vCPU 0 blocks armed (on its pCPU's list, NV=WAKEUP);
 * the step detaches (pi_disable_posting), migrates the blocked vCPU to the other of pCPUs 2
 * and 3, and posts.  Its load on the new pCPU must take it off the old list although posting
 * is disabled; the next round re-attaches (pi_enable_posting) and it blocks again, where
 * pi_arm_wakeup asserts that it is on no list (a double add would corrupt the list).
 */
static bool on_list(struct list_head *head, struct list_head *link)
{
	for (struct list_head *p = head->next; p != head; p = p->next)
		if (p == link)
			return true;
	return false;
}

static void attach(struct vcpu *v, u32 k)
{
	pi_enable_posting(&v->pi);
}

static long detach_step(struct vm *vm, u32 k)
{
	struct vcpu *v = vm->vcpus[0];
	u32 cpu;

	if (!wait_for(blocked_armed, v))
		return -1;
	at.seen++;
	cpu = load_acquire(&v->pi.cpu);
	pi_disable_posting(&v->pi);
	at.migrated += sched_migrate(&v->se, cpu == 2 ? 3 : 2);
	post(v);
	return 0;
}

static void pi_detach_while_blocked(void)
{
	struct vm *vm;
	bool unlisted = true;

	if (!pi_case_need(4, true))
		return;
	if (!(vm = halter_and_driver("det", 4 * ROUNDS, detach_step, attach)))
		return;
	pi_case_place(vm, 0, 2, SCHED_NO_PIN);
	pi_case_place(vm, 1, 0, 0);
	pi_case_run(vm, true);
	struct vcpu *h = vm->vcpus[0];
	for (u32 c = 0; c < MAX_CPUS; c++)
		unlisted &= !on_list(&pi_cpus[c].wakeup_list, &h->pi.wakeup_link);
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(at.seen == 4 * ROUNDS, "detached while blocked armed (listed, NV=WAKEUP) %lu times",
	       at.seen);
	report(at.migrated == 4 * ROUNDS && h->se.nr_migrations >= 4 * ROUNDS,
	       "migrated while blocked %lu times (%lu migrations)", at.migrated,
	       h->se.nr_migrations);
	report(h->st.puts_blocking >= 4 * ROUNDS,
	       "%lu blocking puts after re-attaching, no double "
	       "list add (pi_arm_wakeup asserts it)",
	       h->st.puts_blocking);
	report(unlisted && list_empty(&h->pi.wakeup_link), "vCPU 0 on no wakeup list at the end");
	report(h->gstat[1] == 4 * ROUNDS && h->st.posted == 4 * ROUNDS,
	       "delivered %lu == posted %lu", h->gstat[1], h->st.posted);
}
KTEST("pi-detach-while-blocked", pi_detach_while_blocked,
      "bug04_detach_while_blocked: detach, migrate, post, re-attach, block again, N times");

/*
 * bug19_post_at_entry: vCPU 0 runs alone and tickless on pCPU 2.  Each round it makes one exit
 * (PA_OP_ROUND); at the following entry the test point VTP_BEFORE_ENTRY posts from the same
 * pCPU, after pi_enter_guest synced the PIR and with IRQs off.  The notification must stay
 * pending in the LAPIC and be processed in guest mode: the guest waits for the vector without
 * any exit, and pCPU 2 takes no NOTIFY interrupt in root mode.
 */
static void entry_point(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	u64 c;

	if (p != VTP_BEFORE_ENTRY || at.acted == at.round)
		return;
	at.acted = at.round;
	c = pi_case_ctl(v);
	at.seen++;
	at.on += pi_ctl_on(c);
	at.sn += pi_ctl_sn(c);
	at.pending += !irq_enabled();
	post(v);
}

static void pi_post_at_entry(void)
{
	u64 nt0, ext0;
	struct vm *vm;

	if (!pi_case_need(4, true))
		return;
	at = (struct att){.role = {PA_ROLE_EXIT_WAIT}, .param = {4 * ROUNDS}};
	if (!(vm = make("ent", 1, 2)))
		return;
	vm->tickless = true;
	tseam_set_point(vm->vcpus[0], entry_point);
	nt0 = pi_pcpu_stats[2].notify_irqs;
	pi_case_run(vm, false);
	struct vcpu *v = vm->vcpus[0];
	u64 nt = pi_pcpu_stats[2].notify_irqs - nt0;
	ext0 = v->exits[EXIT_EXTERNAL_INTERRUPT];
	report(pi_case_finished(vm), "vCPU finished, guest checks passed");
	report(at.seen == 4 * ROUNDS && at.pending == at.seen && at.on == 0 && at.sn == 0,
	       "%lu posts right before VM entry, IRQs off, ON and SN clear (ON %lu, SN %lu)",
	       at.seen, at.on, at.sn);
	report(at.notified == at.seen, "%lu of %lu posts sent a notification", at.notified,
	       at.seen);
	report(nt == 0 && ext0 == 0,
	       "%lu NOTIFY interrupts taken in root mode on pCPU 2, %lu "
	       "external-interrupt exits",
	       nt, ext0);
	report(v->gstat[0] == 0 && v->gstat[1] == 4 * ROUNDS && v->st.posted == 4 * ROUNDS,
	       "delivered %lu == posted %lu, %lu lost", v->gstat[1], v->st.posted, v->gstat[0]);
}
KTEST("pi-post-at-entry", pi_post_at_entry,
      "bug19_post_at_entry: a post after the PIR sync, before VM entry, arrives in guest mode");

/*
 * vipi_wake_unarmed: vCPU 0 (pCPU 2) has posting disabled (PA_OP_ROUND) and blocks without
 * the wakeup vector (D').  Once the step sees it there, vCPU 1 (pCPU 3) sends it a vIPI: SN=1,
 * so the post sends no notification, and only pi_post's kick (posting disabled) wakes it.
 */
static long unarmed_step(struct vm *vm, u32 k)
{
	if (!wait_for(blocked_unarmed, vm->vcpus[0]))
		return -1;
	at.seen++;
	return PA_STEP_SEND;
}

static void pi_vipi_wake_unarmed(void)
{
	u64 wk0;
	struct vm *vm;

	if (!pi_case_need(4, true))
		return;
	if (!(vm = halter_and_driver("una", ROUNDS, unarmed_step, disable_posting)))
		return;
	wk0 = pi_pcpu_stats[2].wakeup_irqs;
	pi_case_run(vm, false);
	struct vcpu *h = vm->vcpus[0];
	u64 wk = pi_pcpu_stats[2].wakeup_irqs - wk0;
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(at.seen == ROUNDS, "vCPU 0 blocked without the wakeup vector in %lu of %u rounds",
	       at.seen, ROUNDS);
	report(h->st.post_notified == 0 && wk == 0,
	       "%lu notifications, %lu WAKEUP interrupts on pCPU 2", h->st.post_notified, wk);
	report(h->st.pi_wakes >= ROUNDS, "%lu wakes by pi_post's kick", h->st.pi_wakes);
	report(h->gstat[1] == ROUNDS && h->st.posted == ROUNDS, "delivered %lu == posted %lu",
	       h->gstat[1], h->st.posted);
}
KTEST("pi-vipi-wake-unarmed", pi_vipi_wake_unarmed,
      "vipi_wake_unarmed: a vIPI kicks a vCPU that blocked without posting");
