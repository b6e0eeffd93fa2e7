/*
 * The multiboot information, v1 (Multiboot 0.6.96 3.3) or v2 tags (Multiboot2 spec 3.6), read
 * into one struct mbi.  Memory is identity mapped, so addresses are pointers.
 */
#include "tests/stdguest/kernel.h"

#define MB1_MAGIC 0x2badb002u
#define MB2_MAGIC 0x36d76289u

static u32 ld32(u64 a)
{
	return *(const u32 *)a;
}

static u64 ld64(u64 a)
{
	return *(const u64 *)a;
}

static void v1(u32 info, struct mbi *m)
{
	u32 flags = ld32(info);

	m->info_start = info;
	m->info_end = info + 88;
	m->have_mem = flags & 1;
	m->mem_lower = ld32(info + 4);
	m->mem_upper = ld32(info + 8);
	m->have_cmdline = flags & 4;
	m->cmdline = m->have_cmdline ? (const char *)(u64)ld32(info + 16) : "";
	m->have_mods = flags & 8;
	if (m->have_mods) {
		u32 n = ld32(info + 20), a = ld32(info + 24);

		for (u32 i = 0; i < n && i < MBI_MAX_MODS; i++, a += 16) {
			m->mods[i].start = ld32(a);
			m->mods[i].end = ld32(a + 4);
			m->mods[i].string = ld32(a + 8) ? (const char *)(u64)ld32(a + 8) : "";
		}
		m->nr_mods = n;
	}
	m->have_mmap = flags & 64;
	if (m->have_mmap) {
		u64 a = ld32(info + 48), end = a + ld32(info + 44);

		while (a + 24 <= end && m->nr_mmap < MBI_MAX_MMAP) {
			m->mmap[m->nr_mmap].base = ld64(a + 4);
			m->mmap[m->nr_mmap].len = ld64(a + 12);
			m->mmap[m->nr_mmap].type = ld32(a + 20);
			m->nr_mmap++;
			a += ld32(a) + 4;
		}
	}
}

static void v2(u32 info, struct mbi *m)
{
	u64 a = info + 8, end = info + ld32(info);

	m->v2 = true;
	m->info_start = info;
	m->info_end = end;
	m->cmdline = "";
	while (a + 8 <= end) {
		u32 type = ld32(a), size = ld32(a + 4);

		if (type == 0 || size < 8)
			break;
		if (type == 1) {
			m->have_cmdline = true;
			m->cmdline = (const char *)(a + 8);
		} else if (type == 3) {
			if (m->nr_mods < MBI_MAX_MODS) {
				m->mods[m->nr_mods].start = ld32(a + 8);
				m->mods[m->nr_mods].end = ld32(a + 12);
				m->mods[m->nr_mods].string = (const char *)(a + 16);
			}
			m->nr_mods++;
			m->have_mods = true;
		} else if (type == 4) {
			m->have_mem = true;
			m->mem_lower = ld32(a + 8);
			m->mem_upper = ld32(a + 12);
		} else if (type == 6) {
			u32 esz = ld32(a + 8);

			m->have_mmap = true;
			for (u64 e = a + 16;
			     esz >= 24 && e + esz <= a + size && m->nr_mmap < MBI_MAX_MMAP;
			     e += esz) {
				m->mmap[m->nr_mmap].base = ld64(e);
				m->mmap[m->nr_mmap].len = ld64(e + 8);
				m->mmap[m->nr_mmap].type = ld32(e + 16);
				m->nr_mmap++;
			}
		}
		a += (size + 7) & ~7u;
	}
}

void mbi_parse(u32 magic, u32 info, struct mbi *m)
{
	*m = (struct mbi){0};
	m->magic = magic;
	m->cmdline = "";
	if (magic == MB1_MAGIC)
		v1(info, m);
	else if (magic == MB2_MAGIC)
		v2(info, m);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

bool arg_value(const char *s, const char *key, char *buf, u32 len)
{
	u32 klen = 0;

	while (key[klen])
		klen++;
	while (*s) {
		while (is_space(*s))
			s++;
		const char *w = s;
		u32 n = 0;

		while (w[n] && !is_space(w[n]))
			n++;
		s = w + n;
		if (n > klen && w[klen] == '=') {
			u32 i = 0;

			while (i < klen && w[i] == key[i])
				i++;
			if (i == klen) {
				u32 j = 0;

				for (; j + 1 < len && klen + 1 + j < n; j++)
					buf[j] = w[klen + 1 + j];
				buf[j] = 0;
				return true;
			}
		}
	}
	return false;
}

u64 arg_u64(const char *s, const char *key, u64 dflt)
{
	char buf[24];
	u64 v = 0;

	if (!arg_value(s, key, buf, sizeof(buf)))
		return dflt;
	for (char *p = buf; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (u64)(*p - '0');
	return v;
}
