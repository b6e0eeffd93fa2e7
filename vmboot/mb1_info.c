/*
 * The multiboot v1 information structure (Multiboot 0.6.96 3.3) as pihv gives it:
 *   flags: 0 mem_lower/mem_upper, 2 cmdline, 3 mods_count/mods_addr, 6 mmap, 9 loader name
 * followed in the same block by the module list (16 bytes each: start, end, string, 0), the
 * memory map (entries of u32 size = 20, u64 base, u64 length, u32 type; size excludes itself)
 * and the strings.  Every pointer is a 32-bit guest-physical address.  Pure C.
 */
#include "lib/compiler.h"
#include "lib/le.h"
#include "lib/string.h"
#include "vmboot/mb_info.h"

#define MB1_FLAG_MEM	 BIT(0)
#define MB1_FLAG_CMDLINE BIT(2)
#define MB1_FLAG_MODS	 BIT(3)
#define MB1_FLAG_MMAP	 BIT(6)
#define MB1_FLAG_LOADER	 BIT(9)
#define MB1_STRUCT_SIZE	 120 /* 116 bytes up to the framebuffer fields, rounded to 8 */
#define MB1_MOD_SIZE	 16
#define MB1_MMAP_SIZE	 24

static u64 strings_size(const struct mb_boot *b)
{
	u64 n = strlen(b->cmdline) + 1 + sizeof(MB_LOADER_NAME);

	for (u32 i = 0; i < b->nr_mods; i++)
		n += strlen(b->mods[i].string) + 1;
	return n;
}

u64 mb1_info_size(const struct mb_boot *b)
{
	return MB1_STRUCT_SIZE + (u64)b->nr_mods * MB1_MOD_SIZE + 3 * MB1_MMAP_SIZE +
	       strings_size(b);
}

/* Copies s to info + *at and returns its guest-physical address. */
static u32 put_str(u8 *info, u32 base, u64 *at, const char *s)
{
	u64 n = strlen(s) + 1;
	u32 gpa = base + (u32)*at;

	memcpy(info + *at, s, n);
	*at += n;
	return gpa;
}

void mb1_info_write(u8 *info, u32 base, const struct mb_boot *b)
{
	struct mb_mmap_entry map[3];
	u32 nr_map = mb_mmap(b->mem_size, map);
	u64 mods = MB1_STRUCT_SIZE, mmap = mods + (u64)b->nr_mods * MB1_MOD_SIZE;
	u64 str = mmap + (u64)nr_map * MB1_MMAP_SIZE;

	le_st32(info + 0,
		MB1_FLAG_MEM | MB1_FLAG_CMDLINE | MB1_FLAG_MODS | MB1_FLAG_MMAP | MB1_FLAG_LOADER);
	le_st32(info + 4, (u32)(MIN(b->mem_size, MB_LOW_RAM_END) >> 10));
	le_st32(info + 8, b->mem_size > MB_HIGH_RAM ? (u32)((b->mem_size - MB_HIGH_RAM) >> 10) : 0);
	le_st32(info + 16, put_str(info, base, &str, b->cmdline));
	le_st32(info + 20, b->nr_mods);
	le_st32(info + 24, base + (u32)mods);
	for (u32 i = 0; i < b->nr_mods; i++) {
		u8 *m = info + mods + (u64)i * MB1_MOD_SIZE;

		le_st32(m, (u32)b->mods[i].gpa);
		le_st32(m + 4, (u32)(b->mods[i].gpa + b->mods[i].size));
		le_st32(m + 8, put_str(info, base, &str, b->mods[i].string));
	}
	le_st32(info + 44, nr_map * MB1_MMAP_SIZE);
	le_st32(info + 48, base + (u32)mmap);
	for (u32 i = 0; i < nr_map; i++) {
		u8 *e = info + mmap + (u64)i * MB1_MMAP_SIZE;

		le_st32(e, MB1_MMAP_SIZE - 4);
		le_st64(e + 4, map[i].base);
		le_st64(e + 12, map[i].len);
		le_st32(e + 20, map[i].type);
	}
	le_st32(info + 64, put_str(info, base, &str, MB_LOADER_NAME));
}
