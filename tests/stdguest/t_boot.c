/*
 * What the loader handed over: the entry state (Multiboot 0.6.96 3.2, Multiboot2 3.3), the
 * boot information (memory, map, command line, modules), A20, and the long-mode switch the
 * kernel did itself.
 */
#include "tests/stdguest/kernel.h"

#define CR0_PE	     (1u << 0)
#define CR0_PG	     (1u << 31)
#define EFLAGS_IF    (1u << 9)
#define EFLAGS_VM    (1u << 17)
#define MODULE_MAGIC 0x31444f4d56484950ull /* "PIHVMOD1" */

static bool has_arg(const char *s, const char *key, const char *want)
{
	char buf[32];
	u32 i = 0;

	if (!arg_value(s, key, buf, sizeof(buf)))
		return false;
	for (; want[i] && buf[i] == want[i]; i++)
		;
	return !want[i] && !buf[i];
}

void test_entry(const struct mbi *m)
{
	bool v1 = entry_eax == 0x2badb002u, v2 = entry_eax == 0x36d76289u;

	report(v1 || v2, "entry-magic", "EAX %#x (%s)", entry_eax,
	       v1   ? "multiboot v1"
	       : v2 ? "multiboot2"
		    : "unknown");
	report((entry_cr0 & CR0_PE) && !(entry_cr0 & CR0_PG), "entry-cr0",
	       "CR0 %#x: protected mode, paging off", entry_cr0);
	report(!(entry_eflags & (EFLAGS_IF | EFLAGS_VM)), "entry-eflags",
	       "EFLAGS %#x: IF and VM clear", entry_eflags);
	report(!(entry_cr4 & 0x20), "entry-cr4", "CR4 %#x: PAE off", entry_cr4);
	report(entry_bss_or == 0, "entry-bss", "the end of the bss was zero at entry");
	report(m->info_start && m->info_end > m->info_start && m->info_end <= (1ull << 32),
	       "entry-ebx", "information block at %#lx-%#lx", m->info_start, m->info_end);
}

/* RAM size as fw_cfg says (QEMU key 0x03); 0 if there is no fw_cfg. */
static u64 fw_ram(void)
{
	u64 ram = 0;
	char sig[4];

	fw_cfg_read(0, sig, 4);
	if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
		return 0;
	fw_cfg_read(3, &ram, 8);
	return ram;
}

static void test_mmap(const struct mbi *m, u64 ram)
{
	u64 kstart = (u64)image_start, kend = (u64)image_end, high = 0;
	bool page0 = false, kernel = false;

	for (u32 i = 0; i < m->nr_mmap; i++) {
		u64 b = m->mmap[i].base, e = b + m->mmap[i].len;

		if (m->mmap[i].type != 1)
			continue;
		page0 |= b == 0 && e >= 0x1000;
		kernel |= b <= kstart && kend <= e;
		if (b <= 0x100000 && e > 0x100000)
			high = e - 0x100000;
	}
	report(m->have_mmap && m->nr_mmap >= 2, "mbinfo-mmap", "%u entries", m->nr_mmap);
	report(page0, "mbinfo-mmap-page0", "page 0 is RAM");
	report(kernel, "mbinfo-mmap-kernel", "the kernel %#lx-%#lx lies in RAM", kstart, kend);
	report(high + (2ull << 20) >= ram && high + (1ull << 20) <= ram, "mbinfo-mmap-high",
	       "%lu KiB of RAM from 1 MiB (fw_cfg RAM %lu KiB)", high >> 10, ram >> 10);
}

static u32 sum(const u8 *p, u64 n)
{
	u32 s = 0;

	for (u64 i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

static void test_module(const struct mbi *m)
{
	const u8 *p;
	u64 size, kstart = (u64)image_start, kend = (u64)image_end;
	bool ok;

	report(m->have_mods && m->nr_mods == 1, "mbinfo-modules", "%u module(s)", m->nr_mods);
	if (m->nr_mods < 1) {
		report(false, "module-content", "no module");
		report(false, "module-string", "no module");
		report(false, "module-placement", "no module");
		return;
	}
	p = (const u8 *)m->mods[0].start;
	size = m->mods[0].end - m->mods[0].start;
	ok = size >= 16 && *(const u64 *)p == MODULE_MAGIC && *(const u32 *)(p + 8) == size &&
	     *(const u32 *)(p + 12) == sum(p + 16, size - 16);
	report(ok, "module-content", "%lu bytes at %#lx, magic and checksum", size,
	       m->mods[0].start);
	report(has_arg(m->mods[0].string, "modarg", "7"), "module-string", "'%s'",
	       m->mods[0].string);
	report(m->mods[0].start % 4096 == 0 &&
		       (m->mods[0].start >= kend || m->mods[0].end <= kstart),
	       "module-placement", "page aligned, outside the kernel %#lx-%#lx", kstart, kend);
}

void test_mbinfo(const struct mbi *m)
{
	u64 ram = fw_ram();

	report(m->have_mem && m->mem_lower >= 600 && m->mem_lower <= 640, "mbinfo-mem-lower",
	       "%u KiB", m->mem_lower);
	report(m->have_mem && (u64)m->mem_upper * 1024 + (2ull << 20) >= ram &&
		       (u64)m->mem_upper * 1024 + (1ull << 20) <= ram,
	       "mbinfo-mem-upper", "%u KiB (fw_cfg RAM %lu KiB)", m->mem_upper, ram >> 10);
	test_mmap(m, ram);
	report(m->have_cmdline && has_arg(m->cmdline, "stdguest.magic", "42"), "mbinfo-cmdline",
	       "'%s'", m->cmdline);
	test_module(m);
}

/* A20 on: the address with bit 20 set is not an alias of the one without (PC A20 gate). */
static void test_a20(void)
{
	u32 *lo = (u32 *)0x1000000ull, *hi = (u32 *)0x1100000ull;

	*lo = 0x11111111;
	*hi = 0x22222222;
	report(*lo == 0x11111111 && *hi == 0x22222222, "a20", "0x1000000 and 0x1100000 differ");
}

void test_long_mode(void)
{
	u64 cr0, cr4, efer;
	u32 lo, hi;
	u16 cs;

	asm volatile("mov %%cr0, %0; mov %%cr4, %1; mov %%cs, %2" : "=r"(cr0), "=r"(cr4), "=r"(cs));
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
	efer = (u64)hi << 32 | lo;
	report((efer & 0x500) == 0x500 && (cr0 & CR0_PG) && (cr4 & 0x20) && cs == 0x08, "long-mode",
	       "EFER %#lx CR0 %#lx CR4 %#lx CS %#x", efer, cr0, cr4, cs);
	test_a20();
}
