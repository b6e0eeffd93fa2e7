/*
 * Multiboot v1 header (Multiboot 0.6.96 3.1): a 4-byte aligned header wholly inside the first
 * 8192 bytes of the image,
 *    0 magic 0x1BADB002   4 flags   8 checksum (magic + flags + checksum == 0 mod 2^32)
 *   12 header_addr  16 load_addr  20 load_end_addr  24 bss_end_addr  28 entry_addr  (flag 16)
 *   32 mode_type    36 width      40 height         44 depth                       (flag 2)
 * Flags 0-15 are requirements a loader that does not meet them must refuse (3.1.2):
 *   0  modules page aligned: pihv always aligns them
 *   1  memory information: always given (mem_lower/mem_upper and the map)
 *   2  video mode: pihv has no display; accepted, and the info says nothing about video
 *   3-15 unknown to the spec and to pihv: refused
 * Flag 16 selects the address fields; otherwise the image must be ELF (image_elf.c).  Pure C.
 */
#include "lib/fmt.h"
#include "vmboot/image.h"

#define MB1_FLAG_PAGE_ALIGN BIT(0)
#define MB1_FLAG_MEMINFO    BIT(1)
#define MB1_FLAG_VIDEO	    BIT(2)
#define MB1_FLAG_AOUT	    BIT(16)
#define MB1_FLAGS_KNOWN_REQ (MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO | MB1_FLAG_VIDEO)
#define MB1_HDR_BASE	    12
#define MB1_HDR_AOUT	    32
#define MB1_HDR_VIDEO	    48

s64 image_mb1_find(const u8 *img, u64 size)
{
	u64 end = size < MB1_SEARCH_LIMIT ? size : MB1_SEARCH_LIMIT;

	for (u64 off = 0; off + MB1_HDR_BASE <= end; off += 4) {
		u32 magic = image_ld32(img + off);

		if (magic == MB1_HEADER_MAGIC &&
		    magic + image_ld32(img + off + 4) + image_ld32(img + off + 8) == 0)
			return (s64)off;
	}
	return -1;
}

int image_mb1_plan(const u8 *img, u64 size, u64 off, u64 mem_size, struct image_plan *p, char *err)
{
	u32 flags = image_ld32(img + off + 4);
	u64 need = (flags & MB1_FLAG_VIDEO)  ? MB1_HDR_VIDEO
		   : (flags & MB1_FLAG_AOUT) ? MB1_HDR_AOUT
					     : MB1_HDR_BASE;
	const u8 *h = img + off;

	p->format = IMAGE_MB1;
	p->header_off = (u32)off;
	if (flags & 0xffffu & ~MB1_FLAGS_KNOWN_REQ) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "multiboot header requires features %#x that "
			     "pihv does not know (flags %#x)",
			     flags & 0xffffu & ~MB1_FLAGS_KNOWN_REQ, flags);
		return -1;
	}
	/* "contained completely within the first 8192 bytes" (3.1), and within the file */
	if (off + need > MB1_SEARCH_LIMIT || off + need > size) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "multiboot header at %#lx (%lu bytes, flags %#x) "
			     "runs past 8 KiB or the file",
			     off, need, flags);
		return -1;
	}
	p->page_align_mods = flags & MB1_FLAG_PAGE_ALIGN;
	p->wants_video = flags & MB1_FLAG_VIDEO;
	if (flags & MB1_FLAG_AOUT)
		return image_aout_plan(size, off, image_ld32(h + 12), image_ld32(h + 16),
				       image_ld32(h + 20), image_ld32(h + 24), image_ld32(h + 28),
				       mem_size, p, err);
	return image_elf_plan(img, size, mem_size, p, err);
}
