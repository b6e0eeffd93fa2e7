/*
 * vm-modules: the guests GRUB loaded with module2 lines (vmboot/vm_boot.h) become VMs and run.
 * Refused modules are reported by vm_boot_from_modules() itself; the tests.cfg entries match
 * those lines, and this test checks that every VM that was made runs to completion: a flat
 * guest with HC_EXIT on every vCPU and its own passed reports; a standard guest (VM_PC) by
 * writing 0 to isa-debug-exit (its PASS/FAIL lines are its console's, never the host's).
 */
#include "lib/boot_info.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmboot/vm_boot.h"

static void vm_modules(void)
{
	struct vm *vms[VM_MAX];
	u32 nr_modules = kernel_boot_info()->nr_modules;
	int n;

	report_prefix_push("vm-modules");
	n = vm_boot_from_modules(vms, VM_MAX);
	if (!nr_modules) {
		report_skip("no guest modules given (module2 lines)");
		goto out;
	}
	if (!platform.vmx) {
		report_skip("VMX is off: %u module(s) checked, none started", nr_modules);
		goto out;
	}
	if (!report(n > 0, "%d VM(s) from %u module(s)", n, nr_modules))
		goto out;
	vm_run(vms, (u32)n);
	for (int i = 0; i < n; i++) {
		struct vm *vm = vms[i];
		u32 done = 0, pinned = 0;

		vm_print_stats(vm);
		if (vm->kind == VM_PC) {
			report(vm->dead && vm->end == VM_END_DEBUG_EXIT && vm->end_value == 0,
			       "VM %s: a standard guest, ended through isa-debug-exit with value "
			       "%u "
			       "(%s)",
			       vm->name, vm->end_value, vm->why ? vm->why : "still running");
			continue;
		}
		for (u32 j = 0; j < vm->nr_vcpus; j++) {
			done += vm->vcpus[j]->state == VCPU_DONE;
			pinned += vm->vcpus[j]->ran_on == vm->vcpus[j]->pcpu;
		}
		report(!vm->dead && done == vm->nr_vcpus && pinned == vm->nr_vcpus &&
			       vm->reports[HC_REPORT_PASS] && !vm->reports[HC_REPORT_FAIL],
		       "VM %s: %u of %u vCPUs done (%u on their pinned pCPU, first pCPU %u), "
		       "guest reported %u PASS %u FAIL",
		       vm->name, done, vm->nr_vcpus, pinned, vm->vcpus[0]->pcpu,
		       vm->reports[HC_REPORT_PASS], vm->reports[HC_REPORT_FAIL]);
	}
out:
	report_prefix_pop();
}
KTEST("vm-modules", vm_modules, "VMs from the GRUB module2 guest images and their arguments");
