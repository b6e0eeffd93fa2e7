/*
 * pi-offline-with-blocked: the live counterpart of the simulator's bug14_offline_with_blocked
 * (tests/pi_sim/scenarios.c; docs/pi.md "Live tests").  vCPU 0 of the piattach guest
 * (guests/piattach.c) halts in rounds on pCPU 3; a driver on pCPU 0 asks the host for one step per
 * round.  In round 1 the step waits until vCPU 0 is blocked armed on pCPU 3's wakeup list and takes
 * pCPU 3 out of vCPU scheduling (vcpu_pcpu_offline, target pCPU 2); then it posts.  The WAKEUP
 * notification must go to pCPU 2, whose handler finds vCPU 0 on its list and wakes it there.
 * The other rounds post to vCPU 0 blocked on pCPU 2.  Every wait is bounded by the TSC.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "guests/piattach.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "tests/emu/vcpu_offline.h"
#include "vm/vm.h"
#include "vmx/vmx.h"
#include "tests/emu/cases/pi_cases.h"

#define ROUNDS	8
#define WAIT_US 100000
#define DEAD	3
#define TARGET	2

static struct off {
	struct vm *vm;
	u64 blocked_dead, offline_ok, moved, wakeup_target0, wakeup_dead0, loads0, timeouts;
	u64 ran_target, posted;
} of;

static bool on_list(struct list_head *head, struct list_head *link)
{
	for (struct list_head *p = head->next; p != head; p = p->next)
		if (p == link)
			return true;
	return false;
}

static long step(u32 k)
{
	struct vcpu *v = of.vm->vcpus[0];

	if (k == 1) {
		if (!pi_case_wait_armed(v, DEAD, WAIT_US, &of.timeouts))
			return -1;
		of.blocked_dead++;
		of.loads0 = v->st.loads;
		of.wakeup_dead0 = pi_pcpu_stats[DEAD].wakeup_irqs;
		of.wakeup_target0 = pi_pcpu_stats[TARGET].wakeup_irqs;
		if (vcpu_pcpu_offline(&of.vm, 1, DEAD, TARGET, WAIT_US) < 0)
			return -1;
		of.offline_ok++;
		/* still blocked, now on the target's list, NDST = the target, same NV and SN */
		pi_env_lock(&pi_cpus[TARGET].lock);
		of.moved = pi_case_blocked_armed_on(v, TARGET) && v->se.cpu == TARGET &&
			   pi_ctl_ndst(pi_case_ctl(v)) == pcpu(TARGET)->apic_id &&
			   on_list(&pi_cpus[TARGET].wakeup_list, &v->pi.wakeup_link) &&
			   list_empty(&pi_cpus[DEAD].wakeup_list);
		pi_env_unlock(&pi_cpus[TARGET].lock);
	} else if (!pi_case_wait_armed(v, TARGET, WAIT_US, &of.timeouts)) {
		return -1;
	}
	vcpu_post(v, PA_VECTOR);
	of.posted++;
	return 0;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	switch (op) {
	case PA_OP_ROLE:
		return v->index ? PA_ROLE_DRIVER | (u64)(ROUNDS | PA_WAIT_READY) << 8
				: PA_ROLE_HALT | (u64)ROUNDS << 8;
	case PA_OP_ROUND:
		/* vCPU 0 ran: record where (the round's vector woke it there) */
		if (!v->index && a > 1)
			of.ran_target += v->ran_on == TARGET;
		return 0;
	case PA_OP_STEP:
		return (u64)step((u32)a);
	case PA_OP_WAKE:
		return a < v->vm->nr_vcpus && sched_wake(&v->vm->vcpus[a]->se);
	}
	return (u64)-1;
}

static void pi_offline_with_blocked(void)
{
	struct vm *vm;

	if (!pi_case_need(4, true))
		return;
	of = (struct off){0};
	if (!(vm = pi_case_vm("piattach", "off", 2, DEAD, hook)))
		return;
	vm->poll_max = 0;
	of.vm = vm;
	pi_case_place(vm, 0, DEAD, SCHED_NO_PIN);
	pi_case_place(vm, 1, 0, 0); /* the driver */
	pi_case_run(vm, true);

	struct vcpu *v = vm->vcpus[0];
	u64 wk_t = pi_pcpu_stats[TARGET].wakeup_irqs - of.wakeup_target0;
	u64 wk_d = pi_pcpu_stats[DEAD].wakeup_irqs - of.wakeup_dead0;
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(of.blocked_dead == 1 && of.offline_ok == 1,
	       "pCPU %u taken offline with vCPU 0 blocked armed on its wakeup list", DEAD);
	report(of.moved == 1,
	       "vCPU 0 still blocked armed, now on pCPU %u's list and run queue, "
	       "NDST = pCPU %u; pCPU %u's list empty",
	       TARGET, TARGET, DEAD);
	report(wk_t >= ROUNDS && wk_d == 0,
	       "%lu WAKEUP interrupts on pCPU %u, %lu on pCPU %u "
	       "after the offline",
	       wk_t, TARGET, wk_d, DEAD);
	report(of.ran_target == ROUNDS - 1 && v->ran_on == TARGET,
	       "woken and ran on pCPU %u after each of %lu posts", TARGET, of.ran_target + 1);
	report(v->gstat[1] == ROUNDS && v->st.posted == ROUNDS && of.posted == ROUNDS,
	       "delivered %lu == posted %lu", v->gstat[1], v->st.posted);
	report(of.timeouts == 0, "%lu bounded waits timed out", of.timeouts);
}
KTEST("pi-offline-with-blocked", pi_offline_with_blocked,
      "bug14_offline_with_blocked: pCPU leaves with a vCPU blocked; a post wakes it on the target");
