/*
 * The multiboot2 boot information (Multiboot2 spec 3.6) as pihv gives it: u32 total_size,
 * u32 reserved, then 8-byte aligned tags
 *   1 command line, 2 boot loader name, 3 one per module (start, end, string),
 *   4 basic memory information, 6 memory map (entry_size 24, version 0), 0 end.
 * No ACPI, framebuffer, EFI or network tags: the minimal PC has none of those.  Pure C.
 */
#include "lib/compiler.h"
#include "lib/le.h"
#include "lib/string.h"
#include "vmboot/mb_info.h"

#define T_END	   0
#define T_CMDLINE  1
#define T_LOADER   2
#define T_MODULE   3
#define T_MEMINFO  4
#define T_MMAP	   6
#define MMAP_ENTRY 24

static u64 tag_len(u64 payload)
{
	return ALIGN_UP(8 + payload, 8ull);
}

u64 mb2_info_size(const struct mb_boot *b)
{
	u64 n = 8 + tag_len(strlen(b->cmdline) + 1) + tag_len(sizeof(MB_LOADER_NAME));

	for (u32 i = 0; i < b->nr_mods; i++)
		n += tag_len(8 + strlen(b->mods[i].string) + 1);
	return n + tag_len(8) + tag_len(8 + 3 * MMAP_ENTRY) + tag_len(0);
}

/* Writes a tag header at *at; the payload follows.  Returns the payload's position. */
static u8 *tag(u8 *info, u64 *at, u32 type, u64 payload)
{
	u8 *t = info + *at;

	le_st32(t, type);
	le_st32(t + 4, (u32)(8 + payload));
	*at += tag_len(payload);
	return t + 8;
}

static void str_tag(u8 *info, u64 *at, u32 type, const char *s)
{
	u64 n = strlen(s) + 1;

	memcpy(tag(info, at, type, n), s, n);
}

void mb2_info_write(u8 *info, const struct mb_boot *b)
{
	struct mb_mmap_entry map[3];
	u32 nr_map = mb_mmap(b->mem_size, map);
	u64 at = 8;
	u8 *p;

	str_tag(info, &at, T_CMDLINE, b->cmdline);
	str_tag(info, &at, T_LOADER, MB_LOADER_NAME);
	for (u32 i = 0; i < b->nr_mods; i++) {
		const struct mb_mod *m = &b->mods[i];
		u64 n = strlen(m->string) + 1;

		p = tag(info, &at, T_MODULE, 8 + n);
		le_st32(p, (u32)m->gpa);
		le_st32(p + 4, (u32)(m->gpa + m->size));
		memcpy(p + 8, m->string, n);
	}
	p = tag(info, &at, T_MEMINFO, 8);
	le_st32(p, (u32)(MIN(b->mem_size, MB_LOW_RAM_END) >> 10));
	le_st32(p + 4, b->mem_size > MB_HIGH_RAM ? (u32)((b->mem_size - MB_HIGH_RAM) >> 10) : 0);
	p = tag(info, &at, T_MMAP, 8 + (u64)nr_map * MMAP_ENTRY);
	le_st32(p, MMAP_ENTRY);
	le_st32(p + 4, 0);
	for (u32 i = 0; i < nr_map; i++) {
		le_st64(p + 8 + i * MMAP_ENTRY, map[i].base);
		le_st64(p + 16 + i * MMAP_ENTRY, map[i].len);
		le_st32(p + 24 + i * MMAP_ENTRY, map[i].type);
	}
	tag(info, &at, T_END, 0);
	le_st32(info, (u32)at);
}
