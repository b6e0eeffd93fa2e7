/*
 * INTERFACE: VMs from the boot loader's guest modules.  Each GRUB line
 *     module2 /boot/hello.bin name=web vcpus=2 mem=1M pin=1
 * is one flat guest image (guests/rules.mk builds them as $(BUILD)/guests/<name>.bin) with its
 * arguments (grammar in vmboot/vm_args.h).  docs/vmx.md has the prose.
 */
#ifndef VMX_VM_BOOT_H
#define VMX_VM_BOOT_H

#include "lib/types.h"

struct vm;

/*
 * Creates one VM per boot module whose arguments and image are sound.  A module that is
 * empty, outside RAM, has a bad argument, a duplicate name, or an image that does not fit its
 * memory is reported on the console by index and name ("vmboot: module 1 'beta': ...") and
 * skipped; the other modules still become VMs.  Without VMX the modules are still checked
 * and reported, and none is started.
 * @pre after the initcalls (VMX probed, APs online).  BSP, thread context.
 * @post out[0..ret) are the VMs in module order, ready for vm_run(); 0 <= ret <= max.
 */
int vm_boot_from_modules(struct vm **out, u32 max);
/* Modules the last vm_boot_from_modules refused (VM lines and boot modules). */
u32 vm_boot_refused(void);

#endif
