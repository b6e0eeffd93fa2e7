/*
 * Image format detection and the checks every loader shares (vmboot/image.h).  Pure C.
 *
 * Order of detection: multiboot2, then multiboot v1, then flat.  GRUB decides by the command
 * (`multiboot` or `multiboot2`); a pihv module line has no such command, so a module that
 * carries both headers is booted the richer way unless its line says boot=mb1.
 */
#include "lib/fmt.h"
#include "vmboot/image.h"

const char *image_format_name(enum image_format f)
{
	switch (f) {
	case IMAGE_FLAT:
		return "flat";
	case IMAGE_MB1:
		return "multiboot v1";
	case IMAGE_MB2:
		return "multiboot2";
	case IMAGE_LINUX:
		return "Linux";
	default:
		return "auto";
	}
}

/* [a, a + an) and [b, b + bn) share a byte?  Sizes are > 0 and ends do not wrap (checked). */
static bool overlap(u64 a, u64 an, u64 b, u64 bn)
{
	return a < b + bn && b < a + an;
}

int image_add_seg(struct image_plan *p, u64 file_off, u64 file_size, u64 gpa, u64 mem_size,
		  u64 guest_mem, char *err)
{
	if (!mem_size)
		return 0; /* nothing to load (an empty PT_LOAD is legal ELF) */
	if (file_size > mem_size) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "segment at %#lx: %lu file bytes exceed its %lu "
			     "memory bytes",
			     gpa, file_size, mem_size);
		return -1;
	}
	if (gpa >= guest_mem || mem_size > guest_mem - gpa) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "segment %#lx-%#lx is outside guest RAM "
			     "(0-%#lx): raise mem=",
			     gpa, gpa + mem_size, guest_mem);
		return -1;
	}
	if (p->nr_segs == IMAGE_MAX_SEGS) {
		fmt_snprintf(err, IMAGE_ERR_LEN, "more than %u loadable segments", IMAGE_MAX_SEGS);
		return -1;
	}
	for (u32 i = 0; i < p->nr_segs; i++) {
		const struct image_seg *s = &p->segs[i];

		if (overlap(gpa, mem_size, s->gpa, s->mem_size)) {
			fmt_snprintf(err, IMAGE_ERR_LEN, "segments %#lx-%#lx and %#lx-%#lx overlap",
				     s->gpa, s->gpa + s->mem_size, gpa, gpa + mem_size);
			return -1;
		}
	}
	p->segs[p->nr_segs++] = (struct image_seg){file_off, file_size, gpa, mem_size};
	if (p->nr_segs == 1 || gpa < p->lo)
		p->lo = gpa;
	if (p->nr_segs == 1 || gpa + mem_size > p->hi)
		p->hi = gpa + mem_size;
	return 0;
}

int image_check_entry(struct image_plan *p, char *err)
{
	for (u32 i = 0; i < p->nr_segs; i++) {
		const struct image_seg *s = &p->segs[i];

		if (p->entry >= s->gpa && p->entry - s->gpa < s->mem_size &&
		    p->entry < IMAGE_ENTRY_LIMIT)
			return 0;
	}
	fmt_snprintf(err, IMAGE_ERR_LEN, "entry point %#lx is not inside the loaded image",
		     p->entry);
	return -1;
}

static int plan_flat(u64 size, u64 mem_size, u64 load, struct image_plan *p, char *err)
{
	p->format = IMAGE_FLAT;
	p->how = "flat image";
	p->entry = load;
	return image_add_seg(p, 0, size, load, size, mem_size, err);
}

int image_plan(const u8 *img, u64 size, u64 mem_size, u64 flat_load, enum image_format want,
	       struct image_plan *p, char *err)
{
	s64 off;

	*p = (struct image_plan){0};
	err[0] = 0;
	if (!size) {
		fmt_snprintf(err, IMAGE_ERR_LEN, "empty module (0 bytes): file missing or empty?");
		return -1;
	}
	if (want == IMAGE_AUTO || want == IMAGE_LINUX) {
		if (bz_detect(img, size))
			return image_bz_plan(img, size, mem_size, p, err);
		if (want == IMAGE_LINUX) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "boot=linux, but no bzImage header (0xaa55 and \"HdrS\")");
			return -1;
		}
	}
	if (want == IMAGE_AUTO || want == IMAGE_MB2) {
		off = image_mb2_find(img, size);
		if (off >= 0)
			return image_mb2_plan(img, size, (u64)off, mem_size, p, err);
		if (want == IMAGE_MB2) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "boot=mb2, but no multiboot2 header "
				     "(magic and checksum) in the first 32 KiB");
			return -1;
		}
	}
	if (want == IMAGE_AUTO || want == IMAGE_MB1) {
		off = image_mb1_find(img, size);
		if (off >= 0)
			return image_mb1_plan(img, size, (u64)off, mem_size, p, err);
		if (want == IMAGE_MB1) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "boot=mb1, but no multiboot header "
				     "(magic and checksum) in the first 8 KiB");
			return -1;
		}
	}
	return plan_flat(size, mem_size, flat_load, p, err);
}
