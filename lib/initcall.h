/*
 * INTERFACE: init hooks by level, so kernel/main.c can own the init order without including
 * the modules above it (vmx/, vm/, arch/x86/vtd).  A module registers
 *     INITCALL(INIT_VMX, vmx_probe);            runs once on the BSP, in level order
 *     CPUINIT(INIT_VMX, vmx_cpu_enable);        runs on every CPU as it comes online
 * Within a level the order is link order; across levels it is the number below.
 * A hook returns 0, or a negative value after printing why it failed: the failure of one
 * module is reported and the others still run (the banner says what really works).
 */
#ifndef KERNEL_INITCALL_H
#define KERNEL_INITCALL_H

#include "lib/compiler.h"

#define INIT_EARLY 1 /* BSP: memory, timers; after ACPI and the BSP's APIC */
#define INIT_SMP   2 /* AP bring-up */
#define INIT_VMX   3 /* VMX root on every CPU */
#define INIT_VM	   4 /* what every VM shares (MSR bitmap), complete before any VM exists */
#define INIT_VTD   5 /* IOMMU interrupt remapping */
#define INIT_LATE  6 /* scheduler, guests */

struct initcall {
	const char *name;
	int (*fn)(void);
};

#define __INITCALL(sec, level, f)                                                                  \
	static const struct initcall __init_##f __used __section(sec "." #level)                   \
		__aligned(8) = {#f, f}
#define INITCALL(level, f) __INITCALL(".initcall", level, f)
#define CPUINIT(level, f)  __INITCALL(".cpuinit", level, f)

/*
 * The payload: what the kernel runs on the BSP once everything is up (the product's is the VMs
 * from the boot modules, vmboot/run.c).  One per image; it does not return.
 */
#define PAYLOAD(f)                                                                                 \
	static void (*const __payload_##f)(void) __used __section(".payload") __aligned(8) = f

/* Runs the image's payload (after the banner, IRQs on).  Does not return. */
__noreturn void kernel_payload_run(void);
/* Runs every INITCALL in level order on the BSP. */
void initcalls_run(void);
/* Runs every CPUINIT in level order on the calling CPU. */
void cpuinits_run(void);

#endif
