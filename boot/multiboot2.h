/*
 * Multiboot2 information block (Multiboot2 spec 1.0, section 3.6) and the Multiboot 0.6.96
 * information structure (section 3.3) that QEMU -kernel passes, plus the parsers that turn
 * either into struct boot_info.
 *
 * Layouts are given as byte offsets: the parsers read every field through explicit
 * little-endian byte loads, so neither a misaligned MBI nor a malformed one can trip them.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#define MB2_BOOTLOADER_MAGIC 0x36d76289 /* EAX at entry, spec 3.3 */
#define MB1_BOOTLOADER_MAGIC 0x2badb002 /* EAX at entry, Multiboot 0.6.96 3.2 */

/* Spec 3.6.1: the MBI starts with u32 total_size, u32 reserved; tags follow, each 8-aligned. */
#define MB2_INFO_HDR_SIZE 8
#define MB2_TAG_ALIGN	  8
#define MB2_TAG_HDR_SIZE  8 /* u32 type, u32 size (size counts the header, not the padding) */

/* Tag types (spec 3.6.2 - 3.6.18). */
#define MB2_TAG_END	      0
#define MB2_TAG_CMDLINE	      1 /* char string[] */
#define MB2_TAG_LOADER_NAME   2 /* char string[] */
#define MB2_TAG_MODULE	      3 /* u32 mod_start, u32 mod_end, char string[] */
#define MB2_TAG_BASIC_MEMINFO 4 /* u32 mem_lower, u32 mem_upper (KiB) */
#define MB2_TAG_BOOTDEV	      5
#define MB2_TAG_MMAP	      6 /* u32 entry_size, u32 entry_version, entries */
#define MB2_TAG_VBE	      7
#define MB2_TAG_FRAMEBUFFER   8
#define MB2_TAG_ELF_SECTIONS  9
#define MB2_TAG_APM	      10
#define MB2_TAG_EFI32	      11 /* u32 EFI system table pointer */
#define MB2_TAG_EFI64	      12 /* u64 EFI system table pointer */
#define MB2_TAG_SMBIOS	      13
#define MB2_TAG_ACPI_OLD      14 /* copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW      15 /* copy of the ACPI 2.0+ RSDP */
#define MB2_TAG_NETWORK	      16
#define MB2_TAG_EFI_MMAP      17
#define MB2_TAG_EFI_BS	      18 /* boot services not terminated */
#define MB2_TAG_EFI32_IH      19
#define MB2_TAG_EFI64_IH      20
#define MB2_TAG_LOAD_BASE     21 /* u32 load_base_addr */

/* Spec 3.6.8: entry_size is a multiple of 8; each entry is u64 base, u64 length, u32 type, u32. */
#define MB2_MMAP_HDR_SIZE  16 /* tag header + entry_size + entry_version */
#define MB2_MMAP_ENTRY_MIN 24

/* Multiboot 0.6.96 3.3: flag bits of the MB1 information structure and its field offsets. */
#define MB1_INFO_MEM	     BIT(0)
#define MB1_INFO_CMDLINE     BIT(2)
#define MB1_INFO_MODS	     BIT(3)
#define MB1_INFO_MMAP	     BIT(6)
#define MB1_INFO_LOADER_NAME BIT(9)
#define MB1_OFF_FLAGS	     0
#define MB1_OFF_MEM_LOWER    4
#define MB1_OFF_MEM_UPPER    8
#define MB1_OFF_CMDLINE	     16
#define MB1_OFF_MODS_COUNT   20
#define MB1_OFF_MODS_ADDR    24
#define MB1_OFF_MMAP_LENGTH  44
#define MB1_OFF_MMAP_ADDR    48
#define MB1_OFF_LOADER_NAME  64
#define MB1_INFO_SIZE	     88 /* up to and including the VBE fields */
#define MB1_MODULE_SIZE	     16 /* u32 mod_start, mod_end, string, reserved */
/* An MB1 mmap entry is u32 size (excluding itself), u64 base, u64 length, u32 type. */
#define MB1_MMAP_ENTRY_MIN 24

/* Upper bound on total_size we are willing to walk: real MBIs are a few KiB. */
#define MB2_MAX_TOTAL_SIZE (1u << 20)

#ifndef __ASSEMBLER__
#include "lib/types.h"

struct boot_info;

/*
 * Returns a readable pointer to [paddr, paddr + len), or NULL if that range is not readable.
 * Same signature as acpi_map_fn, so the kernel can pass one identity-map function to both.
 */
typedef const void *(*boot_map_fn)(u64 paddr, u64 len, void *ctx);

/*
 * Walk a multiboot2 information block into *bi (which is cleared first).
 * @pre mbi points to readable memory of at least 8 bytes; the parser then never reads past
 *      min(total_size, MB2_MAX_TOTAL_SIZE) nor past a tag's own size.
 * @post 0: *bi holds everything valid found before the first structural error; every problem
 *       (truncated tag, size past the end, missing end tag, misaligned MBI, huge total_size,
 *       truncated strings, too many entries) is described in bi->errors.
 *       <0: the block is unusable (NULL, total_size < 8); bi->errors says why.
 *       Unknown tags are skipped.  Tag 15 (ACPI 2.0 RSDP) wins over tag 14.
 */
int mb2_parse(const void *mbi, struct boot_info *bi);

/*
 * Same for a multiboot1 information structure (QEMU -kernel): cmdline, memory map, modules.
 * bi->rsdp is 0 (MB1 carries no RSDP; use acpi_find_rsdp_legacy()).  The pointers inside the
 * structure are physical addresses read through map, so host tests can feed buffers.
 * mb1_parse() uses the kernel's identity map of the low 4 GiB.
 */
int mb1_parse_mapped(u64 mbi_paddr, boot_map_fn map, void *ctx, struct boot_info *bi);
int mb1_parse(const void *mbi, struct boot_info *bi);

#endif /* __ASSEMBLER__ */
#endif
