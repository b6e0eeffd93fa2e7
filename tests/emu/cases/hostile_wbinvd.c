/*
 * hostile-wbinvd: a WBINVD loop (guests/wbinvd.c) next to the victims: every WBINVD exits and is
 * skipped (vm/exit_insn.c), none runs on the pCPU's caches.
 */
#include "guests/hostile.h"
#include "tests/emu/cases/hostile.h"
#include "tests/emu/selftest.h"
#include "vm/vm.h"

static void hostile_wbinvd(void)
{
	struct hostile_attack a = {"wbinvd", "wbinvd", {0, 0, 0, 0}, 100000, NULL};
	struct hostile_run r;

	report_prefix_push("hostile-wbinvd");
	a.params[HOSTILE_PARAM_TICKS] = hostile_us(a.window_us * 3 / 2);
	if (hostile_run(&a, &r)) {
		const struct vcpu *v = r.attacker->vcpus[0];
		u64 n = hostile_stat(r.attacker, ATTACK_STAT_TRIED);

		report_info("wbinvd: tried %lu WBINVDs", n);
		report(!r.attacker->dead && v->state == VCPU_DONE, "the loop finished on its own");
		report(n && v->exits[EXIT_WBINVD] == n, "every WBINVD exited: %lu exits == %lu",
		       v->exits[EXIT_WBINVD], n);
	}
	report_prefix_pop();
}
KTEST("hostile-wbinvd", hostile_wbinvd, "a WBINVD loop next to victims");
