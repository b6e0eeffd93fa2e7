/*
 * INTERFACE: a Linux bzImage as a guest module, booted by the Linux x86 boot protocol (version
 * 2.12 or later; "The Linux/x86 Boot Protocol" in the kernel's documentation).  Pure C (no
 * hardware, no allocation): compiled into the kernel, the host unit tests and the fuzzers.
 *
 * pihv uses the 32-bit entry of the protocol: the protected-mode kernel (the file after its
 * real-mode setup sectors) is loaded at BZ_LOAD, the vCPU enters it at that address in flat
 * 32-bit protected mode with paging off and interrupts off, ESI pointing to the "zero page"
 * (struct boot_params) that the loader filled: a copy of the file's setup header, the command
 * line and initrd addresses, and an e820 memory map.  No real-mode setup code runs: pihv is
 * the boot loader.  The kernel then decompresses itself to its preferred address and switches
 * to long mode on its own.
 *
 * Every header field is untrusted: the file must be long enough for what it says, the version
 * new enough for the fields used, the kernel relocatable or its fixed address available, and
 * everything must fit the VM's memory.  The first problem is reported in err and the image is
 * refused.
 */
#ifndef VMBOOT_BZIMAGE_H
#define VMBOOT_BZIMAGE_H

#include "lib/types.h"

#define BZ_ERR_LEN     96
#define BZ_MIN_VERSION 0x020c	/* 2.12: xloadflags, pref_address, init_size */
#define BZ_LOAD	       0x100000 /* where the protected-mode kernel goes (code32_start) */
#define BZ_ZERO_PAGE   0x7000	/* struct boot_params: 4 KiB */
#define BZ_CMDLINE     0x8000	/* the command line (at most BZ_CMDLINE_MAX bytes) */
#define BZ_CMDLINE_MAX 2048
#define BZ_LOW_RAM_END 0x9fc00 /* RAM below it; [it, 1 MiB) is reserved (tables, BIOS area) */
#define BZ_E820_MAX    8

/* The setup header's fields pihv reads (offsets in the file = offsets in the zero page). */
#define BZ_OFF_SETUP_SECTS    0x1f1
#define BZ_OFF_BOOT_FLAG      0x1fe /* 0xaa55 */
#define BZ_OFF_HEADER	      0x202 /* "HdrS" */
#define BZ_OFF_VERSION	      0x206
#define BZ_OFF_TYPE_OF_LOADER 0x210
#define BZ_OFF_LOADFLAGS      0x211
#define BZ_OFF_CODE32_START   0x214
#define BZ_OFF_RAMDISK_IMAGE  0x218
#define BZ_OFF_RAMDISK_SIZE   0x21c
#define BZ_OFF_HEAP_END_PTR   0x224
#define BZ_OFF_CMD_LINE_PTR   0x228
#define BZ_OFF_INITRD_MAX     0x22c
#define BZ_OFF_KERNEL_ALIGN   0x230
#define BZ_OFF_RELOCATABLE    0x234
#define BZ_OFF_XLOADFLAGS     0x236
#define BZ_OFF_CMDLINE_SIZE   0x238
#define BZ_OFF_PREF_ADDRESS   0x258
#define BZ_OFF_INIT_SIZE      0x260
#define BZ_HEADER_END	      0x268 /* the setup header copied into the zero page ends here */
/* Zero-page fields outside the setup header. */
#define BZ_OFF_EXT_RAMDISK_IMAGE 0x0c0
#define BZ_OFF_EXT_RAMDISK_SIZE	 0x0c4
#define BZ_OFF_EXT_CMD_LINE_PTR	 0x0c8
#define BZ_OFF_E820_ENTRIES	 0x1e8
#define BZ_OFF_E820_TABLE	 0x2d0 /* 20-byte entries: u64 addr, u64 size, u32 type */

#define BZ_LOADFLAGS_LOADED_HIGH  0x01 /* protected-mode code at 1 MiB */
#define BZ_LOADFLAGS_KEEP_SEGS	  0x40 /* we give flat segments: nothing to keep */
#define BZ_LOADFLAGS_CAN_USE_HEAP 0x80
#define BZ_LOADER_UNDEFINED	  0xff /* type_of_loader: a loader without an assigned ID */

#define BZ_E820_RAM	 1
#define BZ_E820_RESERVED 2

struct bz_e820 {
	u64 addr, size;
	u32 type;
};

struct bz_plan {
	u16 version;
	u32 setup_size; /* bytes of real-mode setup in the file (not loaded) */
	u64 kernel_off; /* protected-mode kernel: file offset and size */
	u64 kernel_size;
	u64 init_size; /* memory the kernel needs from its load address while it decompresses */
	u64 pref_address;
	u32 cmdline_max; /* the kernel's limit (cmdline_size), capped at BZ_CMDLINE_MAX - 1 */
	u64 initrd_max;	 /* highest address an initrd byte may have */
	bool relocatable;
};

/* Does [img, img + size) look like a bzImage (boot flag and "HdrS")? */
bool bz_detect(const u8 *img, u64 size);

/*
 * Checks the header against the file and a VM of mem_size bytes, and fills *p.
 * @return 0, or -1 with one sentence in err[BZ_ERR_LEN].
 */
int bz_plan(const u8 *img, u64 size, u64 mem_size, struct bz_plan *p, char *err);

/*
 * Where an initrd of size bytes goes: page-aligned, as high as the kernel allows and below
 * mem_size, above what the decompressing kernel uses.  @return 0 and *gpa, or -1 with err.
 */
int bz_place_initrd(const struct bz_plan *p, u64 mem_size, u64 size, u64 *gpa, char *err);

/* The e820 map of a VM of mem_size bytes: low RAM, the reserved area below 1 MiB, RAM above. */
u32 bz_e820_map(u64 mem_size, struct bz_e820 *map, u32 max);

/*
 * Fills the 4 KiB zero page zp: the file's setup header, the loader fields (type, load flags,
 * code32_start = BZ_LOAD, command line at cmdline_gpa, initrd), and the e820 map.
 * @pre bz_plan(img, ...) returned 0.
 */
void bz_zero_page(u8 *zp, const u8 *img, u64 cmdline_gpa, u64 initrd_gpa, u64 initrd_size,
		  const struct bz_e820 *map, u32 nr_map);

#endif
