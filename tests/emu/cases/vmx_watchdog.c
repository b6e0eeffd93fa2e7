/*
 * The vm_run() watchdog (vm/watchdog.c): a guest that halts with IF=0 is never woken (known bug 6
 * of docs/pi.md says it must not be), so its run cannot finish; the watchdog must dump the vCPU
 * state, stop the VM with a reason, and let the run end instead of hanging.
 */
#include "guests/images.h"
#include "tests/emu/seam.h"
#include "lib/platform.h"
#include "tests/emu/selftest.h"
#include "lib/string.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"

/* Overwrites the guest's first instructions with `cli; hlt; jmp .-2` (runs before entry). */
static void halt_forever(struct vcpu *v)
{
	static const u8 code[] = {0xfa, 0xf4, 0xeb, 0xfd};
	u8 *p = vm_gpa_to_host(v->vm, vmcs_readnat(GUEST_RIP), sizeof(code));

	if (p)
		memcpy(p, code, sizeof(code));
}

static void vmx_watchdog(void)
{
	const struct guest_image *g = guest_image_find("hello");
	struct vm_config cfg = {"stuck", 0, 0, 0, 1, 0};
	struct vm *vm;

	if (!platform.vmx) {
		report_skip("VMX is off on this machine (banner vmx=off): no guests");
		return;
	}
	if (!kernel_option("watchdog_ms")) {
		report(false, "run with watchdog_ms= on the command line (tests.cfg)");
		return;
	}
	cfg.image = g->start;
	cfg.image_size = (u64)(g->end - g->start);
	if (!report((vm = vm_create(&cfg)) != NULL, "VM created"))
		return;
	tseam_set_setup(vm->vcpus[0], halt_forever);
	vm_run(&vm, 1);
	report(vm->dead && vm->why && !strcmp(vm->why, "watchdog: run did not finish"),
	       "the stuck run was stopped by the watchdog (%s)", vm->why ? vm->why : "not stopped");
	report(vm->vcpus[0]->st.hlt_if0 >= 1 && vm->vcpus[0]->se.nr_woken == 1,
	       "it was blocked in cli;hlt (%lu) and woken only by the watchdog's kill (%lu wake)",
	       vm->vcpus[0]->st.hlt_if0, vm->vcpus[0]->se.nr_woken);
}
KTEST("vmx-watchdog", vmx_watchdog, "a run that cannot finish is dumped and stopped");
