/*
 * Where the modules and the boot information go, and the memory map both formats describe
 * (vmboot/mb_info.h).  Pure C.
 */
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmboot/mb_info.h"

#define PAGE 4096ull

u32 mb_mmap(u64 mem_size, struct mb_mmap_entry out[3])
{
	u32 n = 0;

	out[n++] = (struct mb_mmap_entry){0, MIN(mem_size, MB_LOW_RAM_END), 1};
	if (mem_size > MB_LOW_RAM_END)
		out[n++] = (struct mb_mmap_entry){MB_LOW_RAM_END, MB_HIGH_RAM - MB_LOW_RAM_END, 2};
	if (mem_size > MB_HIGH_RAM)
		out[n++] = (struct mb_mmap_entry){MB_HIGH_RAM, mem_size - MB_HIGH_RAM, 1};
	return n;
}

int mb_layout(struct mb_boot *b, u64 image_hi, char *err)
{
	u64 at = ALIGN_UP(image_hi, PAGE);

	for (u32 i = 0; i < b->nr_mods; i++) {
		struct mb_mod *m = &b->mods[i];

		m->gpa = at;
		if (at > b->mem_size || m->size > b->mem_size - at)
			goto full;
		at = ALIGN_UP(at + m->size, PAGE);
	}
	b->info_gpa = at;
	b->info_size = b->format == IMAGE_MB1 ? mb1_info_size(b) : mb2_info_size(b);
	/* The structures hold 32-bit addresses (both specs): everything must sit below 4 GiB. */
	if (at <= b->mem_size && b->info_size <= b->mem_size - at &&
	    at + b->info_size <= 1ull << 32)
		return 0;
full:
	fmt_snprintf(err, IMAGE_ERR_LEN,
		     "image (up to %#lx), %u module(s) and the boot "
		     "information do not fit in %lu KiB: raise mem=",
		     image_hi, b->nr_mods, b->mem_size >> 10);
	return -1;
}

void mb_info_write(u8 *mem, const struct mb_boot *b)
{
	for (u32 i = 0; i < b->nr_mods; i++)
		memcpy(mem + b->mods[i].gpa, b->mods[i].data, b->mods[i].size);
	memset(mem + b->info_gpa, 0, b->info_size);
	if (b->format == IMAGE_MB1)
		mb1_info_write(mem + b->info_gpa, (u32)b->info_gpa, b);
	else
		mb2_info_write(mem + b->info_gpa, b);
}
