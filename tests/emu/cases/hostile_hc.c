/*
 * hostile-hc: 100000 random VMCALL numbers and arguments (guests/hcfuzz.c) next to the victims.
 * Every call exits and comes back with a result of the ABI (vm/guest_abi.h); the guest's count
 * of calls and the host's VMCALL exits between its marks agree; at the end its deliberate bad
 * buffer stops it, and only it.
 */
#include "guests/hostile.h"
#include "tests/emu/cases/hostile.h"
#include "tests/emu/selftest.h"
#include "lib/string.h"
#include "vm/vm.h"

#define CALLS 100000

static void hostile_hc(void)
{
	struct hostile_attack a = {"hcfuzz", "hcfuzz", {0, CALLS, VM_MEM_DEFAULT, 0}, 100000, NULL};
	const struct hostile_mark *m0 = hostile_mark(0), *m1 = hostile_mark(1);
	struct hostile_run r;

	report_prefix_push("hostile-hc");
	if (hostile_run(&a, &r)) {
		const struct vm *vm = r.attacker;
		u64 issued = hostile_stat(vm, HCFUZZ_ISSUED);

		report_info("hcfuzz: drew %lu hypercalls, made %lu (%lu left out): %lu ok, %lu "
			    "HC_ENOSYS, %lu HC_EINVAL, %lu other",
			    hostile_stat(vm, ATTACK_STAT_TRIED), issued,
			    hostile_stat(vm, HCFUZZ_LEFT_OUT), hostile_stat(vm, HCFUZZ_OK),
			    hostile_stat(vm, HCFUZZ_ENOSYS), hostile_stat(vm, HCFUZZ_EINVAL),
			    hostile_stat(vm, HCFUZZ_OTHER));
		report(hostile_stat(vm, ATTACK_STAT_TRIED) == CALLS &&
			       issued + hostile_stat(vm, HCFUZZ_LEFT_OUT) == CALLS,
		       "all %u drawn", CALLS);
		report(!hostile_stat(vm, HCFUZZ_OTHER),
		       "every result was >= 0, HC_ENOSYS or HC_EINVAL");
		report(m0->seen && m1->seen && m1->vmcall - m0->vmcall == issued + 1,
		       "the host counted every one: %lu VMCALL exits between the marks == %lu + 1",
		       m1->vmcall - m0->vmcall, issued);
		report(vm->dead && vm->why &&
			       !strcmp(vm->why, "bad hypercall (buffer outside guest memory)"),
		       "its final bad buffer stopped it (%s)", vm->why ? vm->why : "not stopped");
		report(!r.victim[0]->dead && !r.victim[1]->dead, "the victims were not touched");
	}
	report_prefix_pop();
}
KTEST("hostile-hc", hostile_hc, "100000 random hypercalls next to victims");
