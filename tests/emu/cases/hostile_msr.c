/*
 * hostile-msr: RDMSR and WRMSR (random values) of every index in 0-0x1fff,
 * 0x40000000-0x400000ff and 0xc0000000-0xc0001fff (guests/msrsweep.c) next to the victims.
 * Outside the x2APIC range every access must exit, and each one the guest saw fault must be a
 * #GP the host injected: the guest's counts and the host's exit counters between its marks
 * agree exactly.  In the x2APIC range the CPU virtualizes what the MSR bitmap lets through
 * (vm/vapic.c): there the host can only have counted fewer.
 */
#include "guests/hostile.h"
#include "tests/emu/cases/hostile.h"
#include "tests/emu/selftest.h"
#include "vm/vm.h"

#define N_MSRS (0x2000 + 0x100 + 0x2000)

static u64 stat(const struct vm *vm, u32 part, u32 what)
{
	return hostile_stat(vm, MSRSWEEP_STAT(part, what));
}

static void hostile_msr(void)
{
	struct hostile_attack a = {"msrsweep", "msrsweep", {0, 0, 0, 0}, 100000, NULL};
	const struct hostile_mark *m0 = hostile_mark(0), *m1 = hostile_mark(1),
				  *m2 = hostile_mark(2);
	struct hostile_run r;

	report_prefix_push("hostile-msr");
	if (hostile_run(&a, &r)) {
		const struct vm *vm = r.attacker;
		u64 rd[2], wr[2], gp[2];

		report(!vm->dead && vm->vcpus[0]->state == VCPU_DONE, "the sweep finished (%s)",
		       vm->dead ? vm->why : "completed");
		report(m0->seen && m1->seen && m2->seen, "the host saw the guest's three marks");
		for (u32 p = 0; p < 2; p++) {
			rd[p] = stat(vm, p, MSRSWEEP_RD_OK) + stat(vm, p, MSRSWEEP_RD_GP);
			wr[p] = stat(vm, p, MSRSWEEP_WR_OK) + stat(vm, p, MSRSWEEP_WR_GP) +
				stat(vm, p, MSRSWEEP_BACK_OK) + stat(vm, p, MSRSWEEP_BACK_GP);
			gp[p] = stat(vm, p, MSRSWEEP_RD_GP) + stat(vm, p, MSRSWEEP_WR_GP) +
				stat(vm, p, MSRSWEEP_BACK_GP);
		}
		report_info("msrsweep: tried %lu accesses of %u MSRs", hostile_stat(vm, 0), N_MSRS);
		report(rd[0] + rd[1] == N_MSRS, "every index was read once (%lu)", rd[0] + rd[1]);
		report(m1->rdmsr - m0->rdmsr == rd[0] && m1->wrmsr - m0->wrmsr == wr[0],
		       "outside the x2APIC range every access exited: RDMSR exits %lu == %lu "
		       "reads, "
		       "WRMSR exits %lu == %lu writes",
		       m1->rdmsr - m0->rdmsr, rd[0], m1->wrmsr - m0->wrmsr, wr[0]);
		report(m1->gp - m0->gp == gp[0],
		       "... and every #GP the guest took there was injected by the host: %lu == "
		       "%lu "
		       "(%lu reads and %lu writes worked, all emulated)",
		       m1->gp - m0->gp, gp[0], stat(vm, 0, MSRSWEEP_RD_OK),
		       stat(vm, 0, MSRSWEEP_WR_OK));
		report(m2->rdmsr - m1->rdmsr <= rd[1] && m2->wrmsr - m1->wrmsr <= wr[1] &&
			       m2->gp - m1->gp <= gp[1],
		       "x2APIC range: %lu of %lu reads and %lu of %lu writes exited, %lu of %lu "
		       "#GP "
		       "injected; the rest the CPU virtualized",
		       m2->rdmsr - m1->rdmsr, rd[1], m2->wrmsr - m1->wrmsr, wr[1], m2->gp - m1->gp,
		       gp[1]);
	}
	report_prefix_pop();
}
KTEST("hostile-msr", hostile_msr, "an RDMSR/WRMSR sweep with random values next to victims");
