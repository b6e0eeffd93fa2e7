/*
 * The run watchdog (vm/watchdog.c), with watchdog_ms= on the command line (tests.cfg).
 *   vmx-watchdog        a guest halted with IF=0 is never woken (known bug 6 of docs/pi.md says it
 *                       must not be), so it is stuck; the watchdog dumps its state and stops it
 *   vmx-watchdog-alone  a halted VM and a spinning VM are stuck and stopped, each alone, while a
 *                       healthy VM that runs three times the limit finishes
 */
#include "guests/hostile.h"
#include "tests/emu/cases/hostile.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "lib/platform.h"
#include "lib/string.h"
#include "vm/vm.h"
#include "vm/watchdog.h"
#include "vmx/vmcs.h"

/* Overwrites the guest's first instructions with `cli; hlt; jmp .-2` (runs before entry). */
static void halt_forever(struct vcpu *v)
{
	static const u8 code[] = {0xfa, 0xf4, 0xeb, 0xfd};
	u8 *p = vm_gpa_to_host(v->vm, vmcs_readnat(GUEST_RIP), sizeof(code));

	if (p)
		memcpy(p, code, sizeof(code));
}

/* One vCPU on pcpu, no hypercall hook: the guests run on their own. */
static struct vm *make(const char *name, const char *image, u32 pcpu)
{
	struct vm *vm = pi_case_vm(image, name, 1, pcpu, NULL);

	report(vm != NULL, "VM %s (%s) created", name, image);
	return vm;
}

static void vmx_watchdog(void)
{
	struct vm *vm;

	if (!pi_case_need(1, false))
		return;
	if (!kernel_option("watchdog_ms")) {
		report(false, "run with watchdog_ms= on the command line (tests.cfg)");
		return;
	}
	if (!(vm = make("stuck", "hello", 0)))
		return;
	tseam_set_setup(vm->vcpus[0], halt_forever);
	vm_run(&vm, 1);
	report(vm->dead && vm->why && !strcmp(vm->why, WATCHDOG_WHY),
	       "the stuck VM was stopped by the watchdog (%s)", vm->why ? vm->why : "not stopped");
	report(vm->vcpus[0]->st.hlt_if0 >= 1 && vm->vcpus[0]->se.nr_woken == 1,
	       "it was blocked in cli;hlt (%lu) and woken only by the watchdog's kill (%lu wake)",
	       vm->vcpus[0]->st.hlt_if0, vm->vcpus[0]->se.nr_woken);
}
KTEST("vmx-watchdog", vmx_watchdog, "a run that cannot finish is dumped and stopped");

static u64 hog_params[HOSTILE_PARAMS], beat_params[HOSTILE_PARAMS];

static void vmx_watchdog_alone(void)
{
	u64 ms = kernel_option_u64("watchdog_ms", 0);
	struct vm *vms[3];

	if (!pi_case_need(1, false))
		return;
	if (!report(ms, "run with watchdog_ms= on the command line (tests.cfg): %lu ms", ms))
		return;
	/* pCPU 0: the halted VM and the healthy one; pCPU 1: the spinning one */
	vms[0] = make("halted", "hello", 0);
	vms[1] = make("hog", "spin", 1);
	vms[2] = make("alive", "heartbeat", 0);
	if (!vms[0] || !vms[1] || !vms[2])
		return;
	tseam_set_setup(vms[0]->vcpus[0], halt_forever);
	hog_params[HOSTILE_PARAM_TICKS] = ~0ull; /* spins until stopped */
	hostile_set_params(vms[1], hog_params);
	beat_params[HOSTILE_PARAM_TICKS] = hostile_us(ms * 1000 * 3);
	beat_params[1] = hostile_us(ms * 1000 / 20);
	hostile_set_params(vms[2], beat_params);
	vm_run(vms, 3);
	for (u32 i = 0; i < 3; i++)
		vm_print_stats(vms[i]);
	for (u32 i = 0; i < 2; i++)
		report(vms[i]->dead && vms[i]->why && !strcmp(vms[i]->why, WATCHDOG_WHY),
		       "%s was stopped by the watchdog (%s)", vms[i]->name,
		       vms[i]->why ? vms[i]->why : "not stopped");
	report(!vms[2]->dead && vms[2]->vcpus[0]->state == VCPU_DONE,
	       "alive ran three times the limit and finished (%s)",
	       vms[2]->dead ? vms[2]->why : "completed");
	report(vmcs_error_count() == 0, "no failed VMX instruction");
}
KTEST("vmx-watchdog-alone", vmx_watchdog_alone,
      "a stuck VM is stopped alone; a healthy one that runs longer is not");
