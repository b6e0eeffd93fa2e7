/*
 * pi-unlist-vs-put: the live counterpart of the simulator's bug10_unlist_vs_put
 * (tests/pi_sim/scenarios.c; docs/pi.md "Live tests").  vCPU A, blocked armed on pCPU 2's wakeup
 * list, is loaded on pCPU 3 (pi_load takes it off pCPU 2's list under pCPU 2's lock) while vCPU B
 * puts itself on that list (pi_put blocking, on pCPU 2, same lock).
 *
 * Two VMs of the piattach guest (guests/piattach.c): VM "ula" has A (vCPU 0, halter) and a
 * driver on pCPU 0; VM "ulb" has B (vCPU 0, halter, pinned to pCPU 2).  Each round the driver's
 * step (pCPU 0, IRQs off) posts to B, which wakes, starts its next round and blocks again: B's
 * VTP_BEFORE_PUT holds it right before pi_put.  The step then migrates A to pCPU 3 and wakes it.
 * The lock test point (tests/emu/seam.h) makes the two meet in pCPU 2's lock:
 * in odd rounds A's load holds it until B's put is about to spin on it, in even rounds B's put
 * holds it until A's load is.  Every wait is bounded by the TSC.  The step then checks both
 * states and posts to A (and, in the last round, once more to B).
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "guests/images.h"
#include "guests/piattach.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "tests/emu/seam.h"
#include "vm/vm.h"
#include "vmx/vmx.h"
#include "tests/emu/cases/pi_cases.h"

#define ROUNDS	 16
#define WAIT_US	 100000 /* a wait for the other side gives up after this long */
#define PCPU_OLD 2	/* the scenario's cpu0: A's list, B's pCPU */
#define PCPU_NEW 3	/* the scenario's cpu1: where A is loaded */

static struct unl {
	struct vcpu *a, *b;
	u32 round;
	/* rendezvous flags, all set and cleared with atomics */
	u32 want_put; /* the step asks B's next blocking put to stop at VTP_BEFORE_PUT */
	u32 b_at_put; /* B stopped there */
	u32 go_put;   /* B may go on into pi_put */
	u32 b_in_put; /* B is between VTP_BEFORE_PUT and VTP_AFTER_PUT */
	u32 armed;    /* the lock test point acts in this round */
	u32 a_first;  /* odd rounds: A's load holds the lock first */
	u32 a_waits, b_waits, a_holds, b_holds;
	u32 met; /* the holder saw the other side about to spin on the lock */
	u64 meets_a_first, meets_b_first, a_ok, b_ok, migrated, posted_a, posted_b, timeouts;
} ul;

static bool wait_flag(u32 *f)
{
	u64 end = rdtsc() + timer_us_to_tsc(WAIT_US);

	while (!load_acquire(f)) {
		if (rdtsc() > end) {
			fetch_add(&ul.timeouts, 1);
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* pi_env_lock's test point: only pCPU 2's lock, taken by A's load on 3 or B's put on 2. */
static void lock_point(const void *l, bool taken)
{
	u32 cpu = pcpu_id();
	bool a_load = cpu == PCPU_NEW, b_put = cpu == PCPU_OLD && load_acquire(&ul.b_in_put);

	if (l != &pi_cpus[PCPU_OLD].lock || !load_acquire(&ul.armed) || !(a_load || b_put))
		return;
	if (!taken) {
		store_release(a_load ? &ul.a_waits : &ul.b_waits, 1);
		return;
	}
	if (a_load && load_acquire(&ul.a_first)) {
		store_release(&ul.a_holds, 1);
		if (wait_flag(&ul.b_waits))
			store_release(&ul.met, 1);
	} else if (b_put && !load_acquire(&ul.a_first)) {
		store_release(&ul.b_holds, 1);
		if (wait_flag(&ul.a_waits))
			store_release(&ul.met, 1);
	}
}

/* B's VTP_BEFORE_PUT / VTP_AFTER_PUT (pCPU 2, IRQs off). */
static void b_point(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	if (p == VTP_AFTER_PUT) {
		store_release(&ul.b_in_put, 0);
		return;
	}
	if (p != VTP_BEFORE_PUT || !blocking || !load_acquire(&ul.want_put))
		return;
	store_release(&ul.want_put, 0);
	store_release(&ul.b_at_put, 1);
	wait_flag(&ul.go_put);
	store_release(&ul.b_in_put, 1);
}

static bool on_list(struct list_head *head, struct list_head *link)
{
	for (struct list_head *p = head->next; p != head; p = p->next)
		if (p == link)
			return true;
	return false;
}

static bool wait_armed_either(struct vcpu *v)
{
	u64 end = rdtsc() + timer_us_to_tsc(WAIT_US);

	while (!pi_case_blocked_armed_on(v, PCPU_OLD) && !pi_case_blocked_armed_on(v, PCPU_NEW)) {
		if (rdtsc() > end) {
			ul.timeouts++;
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* Is v on pCPU 2's list?  Walked under its lock. */
static bool listed_old(struct vcpu *v)
{
	unsigned long f = irq_save();

	pi_env_lock(&pi_cpus[PCPU_OLD].lock);
	bool r = on_list(&pi_cpus[PCPU_OLD].wakeup_list, &v->pi.wakeup_link);
	pi_env_unlock(&pi_cpus[PCPU_OLD].lock);
	irq_restore(f);
	return r;
}

static void post(struct vcpu *v, u64 *n)
{
	vcpu_post(v, PA_VECTOR);
	(*n)++;
}

/* The driver's PA_OP_STEP for round k: one bug10 overlap, checked, then the posts. */
static long step(u32 k)
{
	struct vcpu *a = ul.a, *b = ul.b;
	u64 loads0;

	/* A blocks on pCPU 3 after the previous round: bring it back to pCPU 2's list. */
	if (!wait_armed_either(a))
		return -1;
	if (pi_case_blocked_armed_on(a, PCPU_NEW)) {
		ul.migrated += sched_migrate(&a->se, PCPU_OLD);
		sched_wake(&a->se);
	}
	if (!pi_case_wait_armed(a, PCPU_OLD, WAIT_US, &ul.timeouts) ||
	    !pi_case_wait_armed(b, PCPU_OLD, WAIT_US, &ul.timeouts))
		return -1;
	ul.round = k;
	ul.a_waits = ul.b_waits = ul.a_holds = ul.b_holds = ul.met = 0;
	ul.b_at_put = ul.go_put = 0;
	store_release(&ul.a_first, k & 1);
	store_release(&ul.want_put, 1);
	store_release(&ul.armed, 1);
	/* B: woken by the WAKEUP vector, starts round k + 1, blocks, stops before pi_put */
	post(b, &ul.posted_b);
	if (!wait_flag(&ul.b_at_put))
		return -1;
	loads0 = load_relaxed(&a->st.loads);
	if (k & 1) {
		/* A's load takes the lock first, then B's put runs into it */
		ul.migrated += sched_migrate(&a->se, PCPU_NEW);
		sched_wake(&a->se);
		wait_flag(&ul.a_holds);
		store_release(&ul.go_put, 1);
	} else {
		/* B's put takes the lock first, then A's load runs into it */
		store_release(&ul.go_put, 1);
		wait_flag(&ul.b_holds);
		ul.migrated += sched_migrate(&a->se, PCPU_NEW);
		sched_wake(&a->se);
	}
	if (wait_flag(&ul.met))
		(k & 1 ? &ul.meets_a_first : &ul.meets_b_first)[0]++;
	/* B is on pCPU 2's list, armed; A was loaded on pCPU 3 and is off that list. */
	bool b_ok = pi_case_wait_armed(b, PCPU_OLD, WAIT_US, &ul.timeouts) && listed_old(b);
	u64 end = rdtsc() + timer_us_to_tsc(WAIT_US);
	/* switch_in counts the load, then records ran_on: wait for both (bounded) */
	while ((load_relaxed(&a->st.loads) == loads0 || load_acquire(&a->ran_on) != PCPU_NEW) &&
	       rdtsc() < end)
		cpu_relax();
	store_release(&ul.armed, 0);
	ul.b_ok += b_ok;
	ul.a_ok += load_relaxed(&a->st.loads) > loads0 && load_acquire(&a->ran_on) == PCPU_NEW &&
		   load_acquire(&a->pi.cpu) == PCPU_NEW && !listed_old(a);
	post(a, &ul.posted_a);
	if (k == ROUNDS)
		post(b, &ul.posted_b); /* B's last round */
	return 0;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	bool in_a = v->vm == ul.a->vm;

	switch (op) {
	case PA_OP_ROLE:
		if (!in_a)
			return PA_ROLE_HALT | (u64)(ROUNDS + 1) << 8;
		return v->index ? PA_ROLE_DRIVER | (u64)(ROUNDS | PA_WAIT_READY) << 8
				: PA_ROLE_HALT | (u64)ROUNDS << 8;
	case PA_OP_ROUND:
		return 0;
	case PA_OP_STEP:
		return (u64)step((u32)a);
	case PA_OP_WAKE:
		/* the guest's rescue after a lost vector: wake both receivers */
		sched_wake(&ul.a->se);
		sched_wake(&ul.b->se);
		return 0;
	}
	return (u64)-1;
}

/* A VM of the piattach guest on pCPU PCPU_OLD; a HLT with nothing pending blocks at once. */
static struct vm *make(const char *name, u32 vcpus)
{
	struct vm *vm = pi_case_vm("piattach", name, vcpus, PCPU_OLD, hook);

	if (vm)
		vm->poll_max = 0;
	return vm;
}

static void nop_hook(u32 cpu, void *arg)
{
}

static void pi_unlist_vs_put(void)
{
	struct vm *vms[2];

	if (!pi_case_need(4, true))
		return;
	ul = (struct unl){0};
	if (!(vms[0] = make("ula", 2)) || !(vms[1] = make("ulb", 1)))
		return;
	ul.a = vms[0]->vcpus[0];
	ul.b = vms[1]->vcpus[0];
	ul.a->se.pin = SCHED_NO_PIN;
	vms[0]->vcpus[1]->pcpu = 0; /* the driver */
	vms[0]->vcpus[1]->se.pin = 0;
	ul.b->se.pin = PCPU_OLD;
	tseam_set_point(ul.b, b_point);
	tseam_set_lock_point(lock_point);
	vm_run_hook(vms, 2, nop_hook, NULL);
	tseam_set_lock_point(NULL);
	vm_print_pi_stats(vms, 2);

	struct vcpu *a = ul.a, *b = ul.b;
	report(pi_case_finished(vms[0]) && pi_case_finished(vms[1]),
	       "all vCPUs finished, guest checks passed");
	report(ul.meets_a_first == ROUNDS / 2 && ul.meets_b_first == ROUNDS / 2,
	       "met in pCPU %u's lock: A's load held it while B's put waited %lu times, B's put "
	       "held it while A's load waited %lu times",
	       PCPU_OLD, ul.meets_a_first, ul.meets_b_first);
	report(ul.a_ok == ROUNDS,
	       "A loaded on pCPU %u, bound to it, off pCPU %u's list in %lu of "
	       "%u rounds",
	       PCPU_NEW, PCPU_OLD, ul.a_ok, ROUNDS);
	report(ul.b_ok == ROUNDS,
	       "B blocked armed on pCPU %u's list (SN=0, NV=WAKEUP) in %lu of "
	       "%u rounds",
	       PCPU_OLD, ul.b_ok, ROUNDS);
	report(ul.timeouts == 0, "%lu bounded waits timed out", ul.timeouts);
	report(a->gstat[1] == ROUNDS && a->st.posted == ROUNDS && ul.posted_a == ROUNDS,
	       "A: delivered %lu == posted %lu", a->gstat[1], a->st.posted);
	report(b->gstat[1] == ROUNDS + 1 && b->st.posted == ROUNDS + 1,
	       "B: delivered %lu == posted %lu", b->gstat[1], b->st.posted);
	report(!listed_old(a) && !listed_old(b), "A and B on no wakeup list of pCPU %u at the end",
	       PCPU_OLD);
}
KTEST("pi-unlist-vs-put", pi_unlist_vs_put,
      "bug10_unlist_vs_put: A loaded off pCPU 2's list on pCPU 3 while B puts itself on it");
