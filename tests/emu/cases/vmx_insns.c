/*
 * vmx-insns: RDPMC, MONITOR, MWAIT, WBINVD and INVD from a guest (guests/insns.c) each exit
 * once per execution and get their documented outcome (docs/vmx.md "Exits"); none runs natively.
 */
#include "guests/images.h"
#include "lib/platform.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"

static void vmx_insns(void)
{
	const struct guest_image *g = guest_image_find("insns");
	struct vm_config cfg = {"insns", 0, 0, 0, 1, 0, VM_FLAT};
	struct vm *vm;
	struct vcpu *v;

	report_prefix_push("vmx-insns");
	if (!platform.vmx) {
		report_skip("VMX is off on this machine (banner vmx=off): no guests");
		goto out;
	}
	cfg.image = g->start;
	cfg.image_size = (u64)(g->end - g->start);
	if (!report((vm = vm_create(&cfg)) != NULL, "VM created"))
		goto out;
	vm_run(&vm, 1);
	vm_print_stats(vm);
	v = vm->vcpus[0];
	report(!vm->dead && v->state == VCPU_DONE, "the guest finished (%s)",
	       vm->dead ? vm->why : "completed");
	report(vm->reports[HC_REPORT_PASS] == 7 && !vm->reports[HC_REPORT_FAIL],
	       "the guest reported %u PASS, %u FAIL (want 7, 0)", vm->reports[HC_REPORT_PASS],
	       vm->reports[HC_REPORT_FAIL]);
	report(v->exits[EXIT_RDPMC] == 1, "RDPMC exits %lu (want 1)", v->exits[EXIT_RDPMC]);
	report(v->exits[EXIT_MONITOR] == 1, "MONITOR exits %lu (want 1)", v->exits[EXIT_MONITOR]);
	report(v->exits[EXIT_MWAIT] == 1, "MWAIT exits %lu (want 1)", v->exits[EXIT_MWAIT]);
	report(v->exits[EXIT_WBINVD] == 100, "WBINVD exits %lu (want 100)", v->exits[EXIT_WBINVD]);
	report(v->exits[EXIT_INVD] == 1, "INVD exits %lu (want 1)", v->exits[EXIT_INVD]);
	report(vmcs_error_count() == 0, "no failed VMX instruction");
out:
	report_prefix_pop();
}
KTEST("vmx-insns", vmx_insns, "RDPMC, MONITOR/MWAIT, WBINVD/INVD exit and are refused or skipped");
