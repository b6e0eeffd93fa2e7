/* kernel/memmap.c: the loader's memory map cut down to RAM that may be handed out. */
#include <stdio.h>

#include "kernel/memmap.h"
#include "lib/compiler.h"
#include "tests/host/test.h"

#define RAM BOOT_MEM_RAM
#define RES BOOT_MEM_RESERVED

static struct memmap m; /* 6 KiB: not on the stack */

static void run(const struct boot_mmap_entry *e, u32 n)
{
	memmap_sanitize(e, n, &m);
}

/* Is the result exactly the given list of [base, end) pairs? */
static bool ram_is(const u64 *want, u32 n)
{
	bool ok = m.nr_ram == n;

	for (u32 i = 0; ok && i < n; i++)
		ok = m.ram[i].base == want[2 * i] && m.ram[i].end == want[2 * i + 1];
	if (!ok)
		for (u32 i = 0; i < m.nr_ram; i++)
			printf("      got [0x%lx, 0x%lx)\n", m.ram[i].base, m.ram[i].end);
	return ok;
}

#define EXPECT_RAM(...)                                                                            \
	({                                                                                         \
		static const u64 _w[] = {__VA_ARGS__};                                             \
		test_report(ram_is(_w, ARRAY_SIZE(_w) / 2), __FILE__, __LINE__, "RAM is %s",       \
			    #__VA_ARGS__);                                                         \
	})

/* QEMU q35 with 512 MiB as SeaBIOS reports it: the usual shape, sorted and clean. */
static const struct boot_mmap_entry q35[] = {
	{0, 0x9fc00, RAM},	     {0x9fc00, 0x400, RES},	 {0xf0000, 0x10000, RES},
	{0x100000, 0x1fee0000, RAM}, {0x1ffe0000, 0x20000, RES}, {0xb0000000, 0x10000000, RES},
	{0xfed1c000, 0x4000, RES},   {0xfffc0000, 0x40000, RES},
};

TEST(memmap_q35)
{
	run(q35, ARRAY_SIZE(q35));
	EXPECT_NO_ERR(&m);
	EXPECT_RAM(0, 0x9f000, 0x100000, 0x1ffe0000);
	EXPECT_EQ(m.bytes_ram, 0x9f000 + 0x1fee0000);
	EXPECT_EQ(m.nr_holes, 6);
}

TEST(memmap_empty)
{
	run(NULL, 0);
	EXPECT_EQ(m.nr_ram, 0);
	EXPECT_NO_ERR(&m);
	run(NULL, 5); /* no entries to read */
	EXPECT_EQ(m.nr_ram, 0);
	run(q35, 0);
	EXPECT_EQ(m.nr_ram, 0);
	EXPECT_EQ(m.bytes_ram, 0);
}

TEST(memmap_unsorted)
{
	struct boot_mmap_entry e[ARRAY_SIZE(q35)];

	/* reversed, and the reserved ones first */
	for (u32 i = 0; i < ARRAY_SIZE(q35); i++)
		e[i] = q35[ARRAY_SIZE(q35) - 1 - i];
	run(e, ARRAY_SIZE(e));
	EXPECT_NO_ERR(&m);
	EXPECT_RAM(0, 0x9f000, 0x100000, 0x1ffe0000);
}

TEST(memmap_overlap)
{
	static const struct boot_mmap_entry e[] = {
		{0x200000, 0x200000, RAM},
		{0x100000, 0x200000, RAM}, /* [1M, 3M) and [2M, 4M) share [2M, 3M) */
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_RAM(0x100000, 0x400000);
	EXPECT_EQ(m.nr_overlaps, 1);
	EXPECT_ERR(&m, "RAM 0x200000-0x400000 overlaps RAM 0x100000-0x300000, merged");
}

TEST(memmap_containment)
{
	static const struct boot_mmap_entry e[] = {
		{0x100000, 0x100000, RAM}, /* inside the next one */
		{0, 0x40000000, RAM},
		{0x100000, 0x100000, RAM}, /* the same entry twice */
		{0x20000000, 0x1000, RES}, /* a reserved page inside RAM splits it */
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_RAM(0, 0x20000000, 0x20001000, 0x40000000);
	EXPECT_EQ(m.nr_overlaps, 2);
	EXPECT_EQ(m.nr_cut, 1);
}

/* Two RAM entries that each half-cover a page: merged first, so the page is used. */
TEST(memmap_adjacent)
{
	static const struct boot_mmap_entry e[] = {
		{0x1000, 0x800, RAM},
		{0x1800, 0x1800, RAM},
		{0x3000, 0x1000, RAM},
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_NO_ERR(&m);
	EXPECT_EQ(m.nr_overlaps, 0);
	EXPECT_RAM(0x1000, 0x4000);
}

/* Every non-RAM type wins over RAM: reserved, ACPI, NVS, bad, and types we do not know. */
TEST(memmap_ram_over_reserved)
{
	static const struct boot_mmap_entry e[] = {
		{0x100000, 0xfff00000, RAM}, /* "RAM" up to 4 GiB, over MMIO */
		{0xfec00000, 0x1000, RES},   /* IOAPIC */
		{0xfee00000, 0x1000, 20},    /* LAPIC, an EFI type */
		{0x10000000, 0x10000, BOOT_MEM_ACPI_RECLAIM},
		{0x20000000, 0x2000, BOOT_MEM_NVS},
		{0x30000000, 0x1000, BOOT_MEM_BAD},
		{0xe0000000, 0x10000000, 0}, /* type 0 is not RAM either */
		{0x40000000, 0x100000, RAM},
		{0x40000000, 0x100000, RES}, /* the same range, typed twice: reserved wins */
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_RAM(0x100000, 0x10000000, 0x10010000, 0x20000000, 0x20002000, 0x30000000, 0x30001000,
		   0x40000000, 0x40100000, 0xe0000000, 0xf0000000, 0xfec00000, 0xfec01000,
		   0xfee00000, 0xfee01000, 0x100000000ull);
	EXPECT_EQ(m.nr_overlaps, 1); /* the RAM at 1 GiB inside the big one */
	EXPECT_ERR(&m, "overlaps non-RAM ranges");
}

/* A reserved range that covers part of a page takes the whole page. */
TEST(memmap_partial_pages)
{
	static const struct boot_mmap_entry e[] = {
		{0x100000, 0x10000, RAM}, {0x100800, 0x10, RES},
		{0x10f000, 0x1001, RES}, /* ends one byte into the page after the RAM */
		{0x200001, 0x1ffe, RAM}, /* holds no whole page */
		{0x300800, 0x2000, RAM}, /* one whole page: [0x301000, 0x302000) */
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_RAM(0x101000, 0x10f000, 0x301000, 0x302000);
}

TEST(memmap_wrap_around)
{
	static const struct boot_mmap_entry e[] = {
		{0xfffffffffffff000ull, 0x2000, RAM},	      /* wraps: dropped */
		{0xffffffff00000000ull, 0x100000000ull, RAM}, /* ends at 2^64 exactly: wraps */
		{0x100000000ull, 0xffffffff, RAM},	      /* ends at 2^33 - 1 */
		{0xfffffff000000000ull, 0xfffffffff, RAM},    /* ends at 2^64 - 1 */
		{0x100000, 0x100000, RAM},
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_EQ(m.nr_wrapped, 2);
	EXPECT_ERR(&m, "RAM 0xfffffffffffff000+0x2000 wraps past 2^64, dropped");
	EXPECT_RAM(0x100000, 0x200000, 0x100000000ull, 0x1fffff000ull, 0xfffffff000000000ull,
		   0xfffffffffffff000ull);
}

/* A non-RAM entry that wraps is not dropped: it keeps everything from its base up out. */
TEST(memmap_wrap_reserved)
{
	static const struct boot_mmap_entry e[] = {
		{0, 0x100000000ull, RAM},
		{0xc0000800, ~0ull, RES},
		{0x200000000ull, 0x1000, RAM},
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_EQ(m.nr_wrapped, 1);
	EXPECT_ERR(&m, "reserved to the top");
	EXPECT_RAM(0, 0xc0000000);
}

TEST(memmap_zero_length)
{
	static const struct boot_mmap_entry e[] = {
		{0x100000, 0, RAM},
		{0x200000, 0x1000, RAM},
		{0x200000, 0, RES}, /* an empty reserved entry keeps nothing out */
	};

	run(e, ARRAY_SIZE(e));
	EXPECT_EQ(m.nr_empty, 2);
	EXPECT_ERR(&m, "entry 0 (type 1) at 0x100000 has length 0, dropped");
	EXPECT_ERR(&m, "entry 2 (type 2) at 0x200000 has length 0, dropped");
	EXPECT_RAM(0x200000, 0x201000);
}

/*
 * The most entries the loader parser keeps, RAM apart (adjacent RAM would merge), each RAM
 * entry split in two by a reserved one: the result is as long as the input.
 */
TEST(memmap_max_entries)
{
	static struct boot_mmap_entry e[MEMMAP_MAX_IN + 3];
	u32 n = 0;

	for (u32 i = 0; i < MEMMAP_MAX_IN / 2; i++) {
		e[n++] = (struct boot_mmap_entry){0x100000 + i * 0x10000ull, 0x8000, RAM};
		e[n++] = (struct boot_mmap_entry){0x104000 + i * 0x10000ull, 0x1000, RES};
	}
	run(e, n);
	EXPECT_EQ(m.nr_ram, MEMMAP_MAX_IN);
	EXPECT_EQ(m.ram[0].end, 0x104000);
	EXPECT_EQ(m.ram[1].base, 0x105000);
	EXPECT_EQ(m.ram[MEMMAP_MAX_IN - 1].end,
		  0x100000 + (MEMMAP_MAX_IN / 2 - 1) * 0x10000ull + 0x8000);
	EXPECT_EQ(m.bytes_ram, (MEMMAP_MAX_IN / 2) * 0x7000ull);
	EXPECT_EQ(m.nr_cut, MEMMAP_MAX_IN / 2);
	EXPECT_EQ(m.nr_errors, MEMMAP_MAX_ERRORS);
	EXPECT_EQ(m.errors_dropped, MEMMAP_MAX_IN / 2 - MEMMAP_MAX_ERRORS);

	/* Past MEMMAP_MAX_IN: ignored and said so; the third extra RAM entry is not used. */
	e[n++] = (struct boot_mmap_entry){0x10000000, 0x1000, RAM};
	e[n++] = (struct boot_mmap_entry){0x20000000, 0x1000, RAM};
	e[n++] = (struct boot_mmap_entry){0x30000000, 0x1000, RAM};
	run(e, n);
	EXPECT_EQ(m.nr_ignored, 3);
	EXPECT_ERR(&m, "131 entries, only the first 128 used");
	EXPECT_EQ(m.nr_ram, MEMMAP_MAX_IN);
}
