/* INTERFACE of kernel_main to the rest of the kernel: what bring-up found. */
#ifndef KERNEL_MAIN_H
#define KERNEL_MAIN_H

#include "lib/types.h"

struct boot_info;
struct acpi_info;

/* What this machine and build really do; the boot banner prints exactly this. */
struct platform {
	bool vmx;    /* VMXON succeeded on every online CPU */
	bool pi;     /* posted-interrupt controls usable (pin bit 7, VID, ack-on-exit) */
	bool vtd_ir; /* interrupt remapping enabled on every DMAR unit */
};
extern struct platform platform;

const struct boot_info *kernel_boot_info(void);
const struct acpi_info *kernel_acpi_info(void);
/* Value of a key=value command-line option, or NULL. */
const char *kernel_option(const char *key);
/*
 * A numeric option's value, or def when it was not given or was refused: kernel/cmdline.c
 * keeps only values that are numbers within the option's range (docs/cmdline.md).
 */
u64 kernel_option_u64(const char *key, u64 def);

#endif
