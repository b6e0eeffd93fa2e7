/*
 * INTERFACE: the boot information a multiboot guest finds, built by pihv inside guest memory
 * the way GRUB or QEMU would build it: the multiboot v1 information structure (Multiboot
 * 0.6.96 3.3) or the multiboot2 tags (Multiboot2 spec 3.6).  Pure C: it writes into a buffer
 * that stands for guest-physical [0, mem_size), so the unit tests can parse the result with
 * pihv's own boot/ parsers.
 *
 * Layout, above the image (GRUB's habit: the low 1 MiB stays the guest's):
 *   ALIGN_UP(image end, 4 KiB)   module 0, module 1, ... each page aligned
 *   next page                    the information block, its strings and memory map
 * The memory map is the one a PC with mem_size bytes of RAM shows:
 *   [0, 0xa0000) RAM, [0xa0000, 0x100000) reserved (VGA and ROM hole), [1 MiB, mem) RAM,
 * with mem_lower = 640 KiB and mem_upper = (mem - 1 MiB) / 1 KiB.
 */
#ifndef VMBOOT_MB_INFO_H
#define VMBOOT_MB_INFO_H

#include "lib/types.h"
#include "vmboot/image.h"

#define MB_MAX_MODS    7
#define MB_LOW_RAM_END 0xa0000ull
#define MB_HIGH_RAM    0x100000ull
#define MB_MEM_MIN     (2ull << 20) /* the map needs RAM above 1 MiB */
#define MB_LOADER_NAME "pihv"
#define MB_MAGIC_V1    0x2badb002u /* EAX at entry (Multiboot 0.6.96 3.2) */
#define MB_MAGIC_V2    0x36d76289u /* EAX at entry (Multiboot2 spec 3.3) */

struct mb_mod {
	const u8 *data;
	u64 size;
	const char *string; /* the module's command line (may be "") */
	u64 gpa;	    /* set by mb_layout */
};

struct mb_boot {
	enum image_format format; /* IMAGE_MB1 or IMAGE_MB2 */
	u64 mem_size;
	const char *cmdline;
	u32 nr_mods;
	struct mb_mod mods[MB_MAX_MODS];
	u64 info_gpa, info_size; /* set by mb_layout: EBX at entry, and the block's size */
};

/*
 * Places the modules and the information block above image_hi.
 * @return 0, or -1 with one sentence in err[IMAGE_ERR_LEN] (they do not fit in mem_size).
 */
int mb_layout(struct mb_boot *b, u64 image_hi, char *err);
/*
 * Copies the modules and writes the information block.  mem is guest-physical 0.
 * @pre mb_layout succeeded for this b.
 */
void mb_info_write(u8 *mem, const struct mb_boot *b);

/* Bytes of the information block (strings and map included) for b's format. */
u64 mb1_info_size(const struct mb_boot *b);
u64 mb2_info_size(const struct mb_boot *b);
void mb1_info_write(u8 *info, u32 info_gpa, const struct mb_boot *b);
void mb2_info_write(u8 *info, const struct mb_boot *b);

/* The guest's memory map, shared by both formats: up to 3 entries. */
struct mb_mmap_entry {
	u64 base, len;
	u32 type;
};
u32 mb_mmap(u64 mem_size, struct mb_mmap_entry out[3]);

#endif
