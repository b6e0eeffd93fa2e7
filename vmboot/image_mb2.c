/*
 * Multiboot2 header (Multiboot2 spec 1.0, 3.1): an 8-byte aligned header wholly inside the
 * first 32768 bytes,
 *    0 magic 0xE85250D6   4 architecture (0: i386 protected mode)   8 header_length
 *   12 checksum (magic + architecture + header_length + checksum == 0 mod 2^32)
 * then tags, each 8-byte aligned: u16 type, u16 flags (bit 0: optional), u32 size (with the
 * 8-byte tag header), up to the end tag (type 0, size 8).  What pihv does with each:
 *   1 information request   each requested type must be one pihv gives (1 2 3 4 6), unless
 *                           the tag is optional (3.1.4)
 *   2 address               load by the address fields (image_aout.c) instead of ELF
 *   3 entry address         the i386 entry, instead of e_entry
 *   4 console flags         accepted: the console is the 16550 at 0x3f8
 *   5 framebuffer           pihv has no display: refused unless optional
 *   6 module alignment      modules are page aligned anyway
 *   7 EFI boot services, 8/9 EFI entry points: a BIOS-style boot only; refused unless optional
 *  10 relocatable           accepted; the image is loaded at its link address
 * any other type: refused unless optional.  Pure C.
 */
#include "lib/fmt.h"
#include "vmboot/image.h"

#define MB2_ARCH_I386	    0
#define MB2_HDR_SIZE	    16
#define MB2_TAG_OPTIONAL    BIT(0)
#define MB2_HT_END	    0
#define MB2_HT_INFO_REQ	    1
#define MB2_HT_ADDRESS	    2
#define MB2_HT_ENTRY	    3
#define MB2_HT_CONSOLE	    4
#define MB2_HT_FRAMEBUFFER  5
#define MB2_HT_MODULE_ALIGN 6
#define MB2_HT_EFI_BS	    7
#define MB2_HT_ENTRY_EFI32  8
#define MB2_HT_ENTRY_EFI64  9
#define MB2_HT_RELOCATABLE  10

/* Boot-information tag types pihv writes (vmboot/mb_info.c); spec 3.6. */
static bool info_given(u32 type)
{
	return type == 0 || type == 1 || type == 2 || type == 3 || type == 4 || type == 6;
}

s64 image_mb2_find(const u8 *img, u64 size)
{
	u64 end = size < MB2_SEARCH_LIMIT ? size : MB2_SEARCH_LIMIT;

	for (u64 off = 0; off + MB2_HDR_SIZE <= end; off += 8) {
		const u8 *h = img + off;

		if (image_ld32(h) == MB2_HEADER_MAGIC &&
		    image_ld32(h) + image_ld32(h + 4) + image_ld32(h + 8) + image_ld32(h + 12) == 0)
			return (s64)off;
	}
	return -1;
}

struct mb2_tags {
	bool have_addr, have_entry;
	u32 addr[4]; /* header_addr, load_addr, load_end_addr, bss_end_addr */
	u32 entry;
};

static int tag_err(char *err, u32 type, u64 at, const char *what)
{
	fmt_snprintf(err, IMAGE_ERR_LEN, "multiboot2 header tag %u at %#lx: %s", type, at, what);
	return -1;
}

static int one_tag(const u8 *t, u32 type, u32 size, bool optional, u64 at, struct image_plan *p,
		   struct mb2_tags *tags, char *err)
{
	switch (type) {
	case MB2_HT_INFO_REQ:
		for (u32 i = 8; i + 4 <= size; i += 4)
			if (!optional && !info_given(image_ld32(t + i))) {
				fmt_snprintf(err, IMAGE_ERR_LEN,
					     "multiboot2 header requires boot "
					     "information tag %u, which pihv does not give",
					     image_ld32(t + i));
				return -1;
			}
		return 0;
	case MB2_HT_ADDRESS:
		if (size < 24)
			return tag_err(err, type, at, "shorter than 24 bytes");
		for (u32 i = 0; i < 4; i++)
			tags->addr[i] = image_ld32(t + 8 + 4 * i);
		tags->have_addr = true;
		return 0;
	case MB2_HT_ENTRY:
		if (size < 12)
			return tag_err(err, type, at, "shorter than 12 bytes");
		tags->entry = image_ld32(t + 8);
		tags->have_entry = true;
		return 0;
	case MB2_HT_CONSOLE:
	case MB2_HT_MODULE_ALIGN:
	case MB2_HT_RELOCATABLE:
		p->page_align_mods |= type == MB2_HT_MODULE_ALIGN;
		return 0;
	case MB2_HT_FRAMEBUFFER:
		if (!optional)
			return tag_err(err, type, at,
				       "requires a framebuffer; pihv has no display");
		p->wants_video = true;
		return 0;
	case MB2_HT_EFI_BS:
	case MB2_HT_ENTRY_EFI32:
	case MB2_HT_ENTRY_EFI64:
		return optional ? 0
				: tag_err(err, type, at,
					  "requires EFI; pihv boots guests "
					  "the BIOS way (32-bit entry)");
	default:
		return optional ? 0 : tag_err(err, type, at, "unknown and not optional");
	}
}

static int walk_tags(const u8 *img, u64 off, u32 len, struct image_plan *p, struct mb2_tags *tags,
		     char *err)
{
	u64 at = off + MB2_HDR_SIZE, end = off + len;

	while (at + 8 <= end) {
		const u8 *t = img + at;
		u32 type = image_ld16(t), flags = image_ld16(t + 2), size = image_ld32(t + 4);

		if (size < 8 || size > end - at)
			return tag_err(err, type, at, "size runs outside the header");
		if (type == MB2_HT_END)
			return 0;
		if (one_tag(t, type, size, flags & MB2_TAG_OPTIONAL, at, p, tags, err) < 0)
			return -1;
		at += (size + 7) & ~7u;
	}
	fmt_snprintf(err, IMAGE_ERR_LEN, "multiboot2 header at %#lx has no end tag", off);
	return -1;
}

int image_mb2_plan(const u8 *img, u64 size, u64 off, u64 mem_size, struct image_plan *p, char *err)
{
	u32 arch = image_ld32(img + off + 4), len = image_ld32(img + off + 8);
	struct mb2_tags tags = {0};

	p->format = IMAGE_MB2;
	p->header_off = (u32)off;
	if (arch != MB2_ARCH_I386) {
		fmt_snprintf(err, IMAGE_ERR_LEN, "multiboot2 architecture %u is not i386 (0)",
			     arch);
		return -1;
	}
	if (len < MB2_HDR_SIZE + 8 || len > MB2_SEARCH_LIMIT - off || len > size - off) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "multiboot2 header at %#lx: header_length %u "
			     "does not end inside the first 32 KiB of the file",
			     off, len);
		return -1;
	}
	if (walk_tags(img, off, len, p, &tags, err) < 0)
		return -1;
	if (tags.have_addr) {
		if (!tags.have_entry) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "multiboot2 address tag without an entry "
				     "address tag");
			return -1;
		}
		return image_aout_plan(size, off, tags.addr[0], tags.addr[1], tags.addr[2],
				       tags.addr[3], tags.entry, mem_size, p, err);
	}
	if (image_elf_plan(img, size, mem_size, p, err) < 0)
		return -1;
	if (tags.have_entry) {
		p->entry = tags.entry;
		return image_check_entry(p, err);
	}
	return 0;
}
