/*
 * hostile-spin: a guest that spins without exits (guests/spin.c) next to the victims, with the
 * VMX-preemption timer turned off (vmx_preempt_timer=off in tests.cfg): the host timer and
 * external-interrupt exiting must still take the pCPU from it at the end of each slice, and its
 * own TSC-deadline timer must still fire while it spins.
 */
#include "guests/hostile.h"
#include "tests/emu/cases/hostile.h"
#include "tests/emu/selftest.h"
#include "vm/vm.h"
#include "vmx/vmx.h"

static void hostile_spin(void)
{
	struct hostile_attack a = {"spin", "spin", {0, 0, 0, 0}, 200000, NULL};
	struct hostile_run r;
	const struct vmx_controls *c = vmx_get_controls();

	report_prefix_push("hostile-spin");
	a.params[HOSTILE_PARAM_TICKS] = hostile_us(a.window_us * 3 / 2);
	a.params[1] = hostile_us(a.window_us / 2); /* its own deadline, mid-window */
	if (c)
		report(!c->preempt_timer,
		       "the VMX-preemption timer is off (vmx_preempt_timer=off)");
	if (hostile_run(&a, &r)) {
		struct vcpu *v = r.attacker->vcpus[0];

		report_info("spin: tried %lu spin iterations", hostile_stat(r.attacker, 0));
		report(!r.attacker->dead && v->state == VCPU_DONE,
		       "the spinner finished on its own");
		report(hostile_stat(r.attacker, ATTACK_STAT_A) == 1 && v->st.timer_vmx == 1,
		       "its TSC deadline fired while it spun (%lu interrupt, %lu at an exit)",
		       hostile_stat(r.attacker, ATTACK_STAT_A), v->st.timer_vmx);
		report(v->exits[EXIT_PREEMPTION_TIMER] == 0, "no VMX-preemption timer exit (%lu)",
		       v->exits[EXIT_PREEMPTION_TIMER]);
	}
	report_prefix_pop();
}
KTEST("hostile-spin", hostile_spin,
      "a spinning guest next to victims without the preemption timer");
