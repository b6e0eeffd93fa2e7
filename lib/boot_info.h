/*
 * Leaf header, INTERFACE of boot/: what the boot loader told us, copied into one structure by
 * mb2_parse()/mb1_parse() (boot/mb2_parse.c).  kernel/main.c is the only reader.
 *
 * Everything but the modules and the RSDP is a copy, so once the parser has run only the modules
 * (and the MBI, if rsdp points into it) must be kept out of the page allocator.
 */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include "lib/types.h"

#define BOOT_LOADER_MB1 1
#define BOOT_LOADER_MB2 2

#define BOOT_MAX_MMAP	 128
#define BOOT_MAX_MODULES 8
#define BOOT_MAX_ERRORS	 4
#define BOOT_ERROR_LEN	 96

/* Memory map types (Multiboot2 spec 3.6.8, the same values as ACPI 6.5 15.1 E820). */
#define BOOT_MEM_RAM	      1
#define BOOT_MEM_RESERVED     2
#define BOOT_MEM_ACPI_RECLAIM 3
#define BOOT_MEM_NVS	      4
#define BOOT_MEM_BAD	      5
/* Any other type (OVMF passes 20, EFI runtime code) must be treated as reserved. */

struct boot_mmap_entry {
	u64 base, len;
	u32 type; /* raw value from the loader, see BOOT_MEM_* */
};

struct boot_module {
	u64 start, end; /* [start, end) physical */
	char args[256]; /* the module's command line, NUL-terminated, truncated if longer */
};

struct boot_info {
	u32 loader;		/* BOOT_LOADER_MB2 or BOOT_LOADER_MB1 */
	u64 mbi_start, mbi_end; /* the info block itself, [start, end) */
	char cmdline[256];	/* NUL-terminated; truncated (and an error recorded) if longer */
	char loader_name[32];	/* tag 2 / MB1 flag 9, truncated */
	u32 mem_lower_kb, mem_upper_kb; /* tag 4 / MB1 flag 0; 0 if absent */
	u32 nr_mmap;
	struct boot_mmap_entry mmap[BOOT_MAX_MMAP];
	u32 nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	u64 rsdp;      /* address of an RSDP (copy inside the MBI for tags 14/15) or 0 */
	u32 rsdp_rev;  /* 0: ACPI 1.0 RSDP (20 bytes), 2: ACPI 2.0+ RSDP (36 bytes) */
	bool efi;      /* tag 11 or 12 seen: booted from UEFI */
	bool efi_bs;   /* tag 18: EFI boot services were NOT exited */
	u64 load_base; /* tag 21, 0 if absent */
	/*
	 * What was wrong with the input, one clear message each.  At most BOOT_MAX_ERRORS are kept
	 * (nr_errors never exceeds it); errors_dropped counts the ones that did not fit.
	 */
	u32 nr_errors;
	u32 errors_dropped;
	char errors[BOOT_MAX_ERRORS][BOOT_ERROR_LEN];
};

#endif
