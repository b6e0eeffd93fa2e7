/*
 * vCPU start-up like a PC (vm/vcpu_start.h): with vm->aps_wait_sipi only vCPU 0 runs; the others
 * wait, blocked, for INIT + SIPI from the guest and start in real mode at vector << 12
 * (guests/apstart.c, guests/apboot.S).  A VM whose vCPU 0 exits without starting them ends:
 * they finish as PARKED, never having entered the guest.
 */
#include "guests/lapic.h"
#include "tests/emu/cases/lapic_cases.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/selftest.h"
#include "vm/vm.h"

static struct vm *bring_up(const char *name, u32 param, u32 passes)
{
	static struct lapic_case lc;
	struct vm *vm;

	if (!pi_case_need(4, false))
		return NULL;
	lc = (struct lapic_case){{LA_ROLE_AP_BSP}, {param}};
	if (!(vm = lapic_case_vm("apstart", name, 4, 0, &lc)))
		return NULL;
	vm->aps_wait_sipi = true;
	pi_case_run(vm, false);
	lapic_case_done(vm, passes);
	return vm;
}

static void lapic_init_sipi(void)
{
	struct vm *vm = bring_up("sipi", LA_AP_ONE, 10);

	if (!vm)
		return;
	report(vm->vcpus[1]->exits[EXIT_HLT] == 0 && vm_print_summary(vm) == 0,
	       "vCPU 1 started twice, every vCPU exited, the VM's status is 0");
}
KTEST("lapic-init-sipi", lapic_init_sipi,
      "APs wait for INIT + SIPI (x2APIC), start in real mode, INIT stops one again");

static void lapic_init_sipi_xapic(void)
{
	bring_up("sipix", LA_AP_ONE | LA_AP_XAPIC, 10);
}
KTEST("lapic-init-sipi-xapic", lapic_init_sipi_xapic,
      "APs wait for INIT + SIPI sent through the xAPIC ICR, start in real mode");

static void lapic_ap_bench(void)
{
	bring_up("apb", LA_AP_BENCH, 5);
	bring_up("apbx", LA_AP_BENCH | LA_AP_XAPIC, 5);
}
KTEST("lapic-ap-bench", lapic_ap_bench, "INIT + SIPI to all APs: time until all are online");

static void lapic_aps_never_started(void)
{
	static struct lapic_case lc = {{LA_ROLE_EXIT}, {0}};
	struct vm *vm;

	if (!pi_case_need(4, false) || !(vm = lapic_case_vm("apstart", "nosipi", 4, 0, &lc)))
		return;
	vm->aps_wait_sipi = true;
	pi_case_run(vm, false);
	u32 parked = 0;
	for (u32 i = 1; i < 4; i++)
		parked += vm->vcpus[i]->state == VCPU_PARKED && vm->vcpus[i]->exits_total == 0;
	report(vm->vcpus[0]->state == VCPU_DONE && parked == 3,
	       "vCPU 0 exited; APs 1-3 never entered the guest and finished as parked (%u)",
	       parked);
	report(vm_print_summary(vm) == 0, "the VM ended with vCPU 0's status 0");
}
KTEST("lapic-aps-never-started", lapic_aps_never_started,
      "a VM whose vCPU 0 exits without starting its APs ends; the APs are not stuck");
