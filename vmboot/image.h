/*
 * INTERFACE: what a guest module's bytes are and where they go in guest memory.  Pure C (no
 * hardware, no allocation): compiled into the kernel and into the host unit tests and fuzzers,
 * which feed it malformed images.
 *
 * A module is one of
 *   - a multiboot2 image: header in the first 32 KiB, 8-byte aligned (Multiboot2 spec 3.1);
 *     loaded by its address tag, else by its ELF program headers (image_mb2.c);
 *   - a multiboot v1 image: header in the first 8 KiB, 4-byte aligned (Multiboot 0.6.96 3.1);
 *     loaded by the a.out-kludge fields when flag 16 is set, else by its ELF32 or ELF64 program
 *     headers (image_mb1.c, image_elf.c);
 *   - pihv's own flat image: no header; copied to GUEST_LOAD (vm/guest_abi.h).
 * With IMAGE_AUTO the first of multiboot2, multiboot v1, flat that matches wins (a kernel that
 * carries both headers, like pihv itself, is booted as multiboot2 unless boot=mb1 says so).
 *
 * Every field of every header is untrusted: offsets and sizes are checked against the file and
 * against guest memory without overflow, segments must not overlap, and the entry point must
 * lie in what is loaded.  The first problem found is reported in err and the image refused.
 */
#ifndef VMBOOT_IMAGE_H
#define VMBOOT_IMAGE_H

#include "lib/types.h"
#include "vmboot/bzimage.h"

#define IMAGE_MAX_SEGS	  8
#define IMAGE_ERR_LEN	  96
#define IMAGE_ENTRY_LIMIT (1ull << 32) /* the multiboot entry is 32-bit protected mode */

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_SEARCH_LIMIT 8192u
#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB2_SEARCH_LIMIT 32768u

enum image_format { IMAGE_AUTO, IMAGE_FLAT, IMAGE_MB1, IMAGE_MB2, IMAGE_LINUX };

/* Bytes [file_off, file_off + file_size) go to gpa; [gpa + file_size, gpa + mem_size) is zeroed. */
struct image_seg {
	u64 file_off, file_size;
	u64 gpa, mem_size;
};

struct image_plan {
	enum image_format format;
	const char *how; /* "ELF64 program headers", "a.out kludge", ... (for the log) */
	u32 header_off;	 /* multiboot header offset in the file */
	u64 entry;	 /* guest-physical entry (flat: GUEST_LOAD) */
	u32 nr_segs;
	struct image_seg segs[IMAGE_MAX_SEGS];
	u64 lo, hi;	      /* [lo, hi) covers every segment, bss included */
	bool page_align_mods; /* mb1 flag 0 / mb2 module-alignment tag (pihv aligns anyway) */
	bool wants_video;     /* mb1 flag 2 / mb2 framebuffer tag marked optional: not given */
	struct bz_plan bz;    /* IMAGE_LINUX: the boot protocol's fields (vmboot/bzimage.h) */
};

/*
 * Decides the format (want == IMAGE_AUTO: detect), checks every header against the file and
 * against guest memory [0, mem_size), and fills *p.  A flat image is planned at flat_load.
 * @return 0, or -1 with one sentence in err[IMAGE_ERR_LEN] (the module must be refused).
 */
int image_plan(const u8 *img, u64 size, u64 mem_size, u64 flat_load, enum image_format want,
	       struct image_plan *p, char *err);

/* A Linux bzImage (vmboot/bzimage.h): one segment, the protected-mode kernel at BZ_LOAD. */
int image_bz_plan(const u8 *img, u64 size, u64 mem_size, struct image_plan *p, char *err);

/* Name of a format for messages: "flat", "multiboot v1", "multiboot2", "Linux", "auto". */
const char *image_format_name(enum image_format f);

/* --- the parts, used by image_plan (and the unit tests) --- */

/* Offset of the first valid multiboot v1 / v2 header (magic and checksum), or -1. */
s64 image_mb1_find(const u8 *img, u64 size);
s64 image_mb2_find(const u8 *img, u64 size);
int image_mb1_plan(const u8 *img, u64 size, u64 off, u64 mem_size, struct image_plan *p, char *err);
int image_mb2_plan(const u8 *img, u64 size, u64 off, u64 mem_size, struct image_plan *p, char *err);
/* Segments and entry from ELF32/ELF64 program headers (machine EM_386 / EM_X86_64). */
int image_elf_plan(const u8 *img, u64 size, u64 mem_size, struct image_plan *p, char *err);
/*
 * Segment from multiboot address fields (mb1 flag 16, mb2 tag 2), relative to the header
 * found at file offset off.  load_addr ~0u (mb2) loads from the file's start; load_end 0 loads
 * to the end of the file; bss_end 0 means no bss.
 */
int image_aout_plan(u64 size, u64 off, u32 header_addr, u32 load_addr, u32 load_end, u32 bss_end,
		    u32 entry, u64 mem_size, struct image_plan *p, char *err);
/* Adds one segment after the checks every loader shares (memory bounds, no overlap). */
int image_add_seg(struct image_plan *p, u64 file_off, u64 file_size, u64 gpa, u64 mem_size,
		  u64 guest_mem, char *err);
/* The entry must lie inside a loaded segment and below 4 GiB. */
int image_check_entry(struct image_plan *p, char *err);

/* Little-endian loads: headers may sit at any offset of a file. */
static inline u32 image_ld16(const u8 *b)
{
	return (u32)b[0] | (u32)b[1] << 8;
}
static inline u32 image_ld32(const u8 *b)
{
	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}
static inline u64 image_ld64(const u8 *b)
{
	return (u64)image_ld32(b) | (u64)image_ld32(b + 4) << 32;
}

#endif
