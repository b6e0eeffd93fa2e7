/*
 * The product's payload: the VMs named by the boot loader's module lines run to completion,
 * and each gets a summary line.  The machine then powers off with a status a runner can read
 * (isa-debug-exit on QEMU): a single VM's own exit code, else 0 when every VM completed and 1
 * when one did not.  docs/running.md is the user's side of this.
 */
#include "arch/x86/power.h"
#include "lib/boot_info.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "vm/vm.h"
#include "vmboot/vm_boot.h"

static __noreturn void finish(u32 status)
{
	printk("pihv: done, exit status %u\n", status);
	machine_exit((u8)status);
}

static __noreturn void vmboot_main(void)
{
	struct vm *vms[VM_MAX];
	u32 nr_modules = kernel_boot_info()->nr_modules, status = 0;
	int n;

	if (!nr_modules) {
		printk("pihv: no VMs to run.  Give each VM a GRUB line after the multiboot2 line,\n"
		       "pihv:   module2 /boot/hello.bin name=hello vcpus=1 mem=1M\n"
		       "pihv: (docs/running.md lists the arguments; `make iso GUESTS=...` writes "
		       "them)\n");
		finish(0);
	}
	n = vm_boot_from_modules(vms, VM_MAX);
	if (!platform.vmx) {
		printk("pihv: VMX is off on this machine: %u module(s) checked, none started\n",
		       nr_modules);
		finish(1);
	}
	if (n <= 0) {
		printk("pihv: none of the %u module(s) could become a VM\n", nr_modules);
		finish(1);
	}
	printk("pihv: running %d VM(s)\n", n);
	vm_run(vms, (u32)n);
	for (int i = 0; i < n; i++) {
		u32 s = vm_print_summary(vms[i]);

		status = n == 1 ? s : (status || s);
	}
	/* A refused module is a failure of the run as a whole, even if the others completed. */
	if (vm_boot_refused() && !status)
		status = 1;
	finish(status);
}
PAYLOAD(vmboot_main);
