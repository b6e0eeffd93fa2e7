/*
 * boot/mb2_parse.c on hand-built multiboot2 information blocks (spec 3.6), valid and broken.
 * Each image is copied into a malloc'd buffer of exactly its size, so any read past it is an
 * ASan error.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/boot_info.h"
#include "boot/multiboot2.h"
#include "tests/host/fakemem.h"
#include "tests/host/test.h"

struct mbi_builder {
	u8 buf[8192] __aligned(8);
	u32 off;
};

static void mb_begin(struct mbi_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->off = 8;
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

/* Append a tag with the given payload; returns the offset of the tag. */
static u32 mb_tag(struct mbi_builder *b, u32 type, const void *payload, u32 len)
{
	u32 at = b->off;

	put32(b->buf + at, type);
	put32(b->buf + at + 4, 8 + len);
	if (len)
		memcpy(b->buf + at + 8, payload, len);
	b->off = ALIGN_UP(at + 8 + len, 8);
	return at;
}

static u32 mb_str(struct mbi_builder *b, u32 type, const char *s)
{
	return mb_tag(b, type, s, (u32)strlen(s) + 1);
}

static void mb_end(struct mbi_builder *b)
{
	mb_tag(b, MB2_TAG_END, NULL, 0);
}

/* Exact-size copy with total_size = b->off (or the override if nonzero). */
static u8 *mb_finish(struct mbi_builder *b, u32 total_override)
{
	u8 *p = aligned_alloc(8, ALIGN_UP(b->off, 8));

	put32(b->buf, total_override ? total_override : b->off);
	memcpy(p, b->buf, b->off);
	return p;
}

static void rsdp_payload(u8 *p, u8 rev)
{
	memcpy(p, "RSD PTR ", 8);
	p[15] = rev;
}

static u32 add_mmap(struct mbi_builder *b, unsigned int n, u32 esize)
{
	u8 body[8 + 200 * 32] = {0};

	put32(body, esize);
	for (unsigned int i = 0; i < n; i++) {
		u8 *e = body + 8 + i * esize;

		put64(e, i * 0x100000ull);
		put64(e + 8, 0x100000);
		put32(e + 16, i == 3 ? 20 : i % 2 ? 2 : 1);
	}
	return mb_tag(b, MB2_TAG_MMAP, body, 8 + n * esize);
}

static void add_module(struct mbi_builder *b, u32 start, u32 end, const char *args)
{
	u8 body[512] = {0};

	put32(body, start);
	put32(body + 4, end);
	strcpy((char *)body + 8, args);
	mb_tag(b, MB2_TAG_MODULE, body, 8 + (u32)strlen(args) + 1);
}

/* What GRUB 2.06 on OVMF passes (docs/emulators.md §2), plus an unknown tag. */
static u32 build_grub_like(struct mbi_builder *b, u32 *acpi2_at)
{
	u8 rsdp[36] = {0}, efi[8] = {1}, mem[8] = {0x80, 2, 0, 0, 0, 0x7c, 1, 0};
	u8 unknown[13] = {0xaa};

	mb_begin(b);
	mb_str(b, MB2_TAG_CMDLINE, "test=smoke smp=4");
	mb_str(b, MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	add_module(b, 0x200000, 0x201000, "guest.bin mode=1");
	mb_tag(b, MB2_TAG_BASIC_MEMINFO, mem, 8);
	add_mmap(b, 4, 24);
	mb_tag(b, 99, unknown, sizeof(unknown));
	mb_tag(b, MB2_TAG_EFI64, efi, 8);
	rsdp_payload(rsdp, 2);
	*acpi2_at = mb_tag(b, MB2_TAG_ACPI_NEW, rsdp, 36);
	rsdp_payload(rsdp, 0);
	mb_tag(b, MB2_TAG_ACPI_OLD, rsdp, 20);
	return b->off;
}

TEST(mb2_valid)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u32 acpi2_at;
	u8 *mbi;

	build_grub_like(&b, &acpi2_at);
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_NO_ERR(&bi);
	EXPECT_EQ(bi.loader, BOOT_LOADER_MB2);
	EXPECT_EQ(bi.mbi_start, (uintptr_t)mbi);
	EXPECT_EQ(bi.mbi_end, (uintptr_t)mbi + b.off);
	EXPECT_STREQ(bi.cmdline, "test=smoke smp=4");
	EXPECT_STREQ(bi.loader_name, "GRUB 2.06-13+deb12u1");
	EXPECT_EQ(bi.nr_modules, 1);
	EXPECT_EQ(bi.modules[0].start, 0x200000);
	EXPECT_EQ(bi.modules[0].end, 0x201000);
	EXPECT_STREQ(bi.modules[0].args, "guest.bin mode=1");
	EXPECT_EQ(bi.mem_lower_kb, 640);
	EXPECT_EQ(bi.mem_upper_kb, 0x17c00);
	EXPECT_EQ(bi.nr_mmap, 4);
	EXPECT_EQ(bi.mmap[2].base, 0x200000);
	EXPECT_EQ(bi.mmap[2].len, 0x100000);
	EXPECT_EQ(bi.mmap[1].type, BOOT_MEM_RESERVED);
	EXPECT_EQ(bi.mmap[3].type, 20);
	EXPECT_TRUE(bi.efi);
	/* tag 15 came first and tag 14 must not replace it */
	EXPECT_EQ(bi.rsdp, (uintptr_t)mbi + acpi2_at + 8);
	EXPECT_EQ(bi.rsdp_rev, 2);
	free(mbi);
}

/* Tag 14 first, tag 15 later: 15 still wins. BIOS GRUB, no EFI tags. */
TEST(mb2_acpi_tags)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 rsdp[36] = {0};
	u32 new_at, old_at;
	u8 *mbi;

	mb_begin(&b);
	rsdp_payload(rsdp, 0);
	old_at = mb_tag(&b, MB2_TAG_ACPI_OLD, rsdp, 20);
	rsdp_payload(rsdp, 2);
	new_at = mb_tag(&b, MB2_TAG_ACPI_NEW, rsdp, 36);
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_EQ(bi.rsdp, (uintptr_t)mbi + new_at + 8);
	EXPECT_EQ(bi.rsdp_rev, 2);
	EXPECT_TRUE(!bi.efi);
	EXPECT_NO_ERR(&bi);
	free(mbi);

	/* only tag 14, and a tag 15 too short to hold a 2.0 RSDP */
	mb_begin(&b);
	rsdp_payload(rsdp, 0);
	old_at = mb_tag(&b, MB2_TAG_ACPI_OLD, rsdp, 20);
	mb_tag(&b, MB2_TAG_ACPI_NEW, rsdp, 20);
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_EQ(bi.rsdp, (uintptr_t)mbi + old_at + 8);
	EXPECT_EQ(bi.rsdp_rev, 0);
	EXPECT_ERR(&bi, "ACPI RSDP tag 15 too short (28 bytes)");
	free(mbi);
}

TEST(mb2_truncated_tag)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi;
	u32 at;

	mb_begin(&b);
	mb_str(&b, MB2_TAG_CMDLINE, "test=trunc");
	at = mb_str(&b, MB2_TAG_LOADER_NAME, "GRUB");
	add_mmap(&b, 2, 24);
	mb_end(&b);
	put32(b.buf + at + 4, 4); /* size smaller than the tag header */
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "tag type 2 at offset 32: size 4 smaller than its header");
	EXPECT_STREQ(bi.cmdline, "test=trunc");
	EXPECT_EQ(bi.nr_mmap, 0);
	free(mbi);

	/* size 0 must not loop forever on the same offset */
	put32(b.buf + at + 4, 0);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "size 0 smaller than its header");
	EXPECT_EQ(bi.nr_errors, 1);
	free(mbi);
}

TEST(mb2_size_past_end)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi;
	u32 at;

	mb_begin(&b);
	mb_str(&b, MB2_TAG_CMDLINE, "test=past");
	add_module(&b, 0x300000, 0x310000, "m0");
	at = add_mmap(&b, 3, 24);
	mb_end(&b);
	put32(b.buf + at + 4, 0x10000);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "tag type 6 at offset 56: size 65536 runs past total_size");
	EXPECT_STREQ(bi.cmdline, "test=past");
	EXPECT_EQ(bi.nr_modules, 1);
	EXPECT_EQ(bi.nr_mmap, 0);
	free(mbi);

	/* a size that wraps a 32-bit offset */
	put32(b.buf + at + 4, 0xfffffff8);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "size 4294967288 runs past total_size");
	free(mbi);
}

TEST(mb2_missing_end_tag)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi;

	mb_begin(&b);
	mb_str(&b, MB2_TAG_CMDLINE, "test=noend");
	add_mmap(&b, 2, 24);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "no end tag before total_size");
	EXPECT_STREQ(bi.cmdline, "test=noend");
	EXPECT_EQ(bi.nr_mmap, 2);
	free(mbi);

	/* header only: nothing but the error */
	mb_begin(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "no end tag before total_size 8");
	free(mbi);

	/* total_size not a multiple of 8: 4 bytes left, not a whole tag header */
	mb_begin(&b);
	mb_str(&b, MB2_TAG_CMDLINE, "x=y");
	mbi = mb_finish(&b, b.off + 4);
	b.off += 4;
	free(mbi);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "no end tag");
	EXPECT_STREQ(bi.cmdline, "x=y");
	free(mbi);
}

TEST(mb2_misaligned)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u32 acpi2_at, size = build_grub_like(&b, &acpi2_at);
	u8 *mbi, *raw;

	mb_end(&b);
	size = b.off;
	mbi = mb_finish(&b, 0);
	raw = malloc(size + 4);
	memcpy(raw + 4, mbi, size);
	EXPECT_EQ(mb2_parse(raw + 4, &bi), 0);
	EXPECT_ERR(&bi, "is not 8-byte aligned");
	EXPECT_STREQ(bi.cmdline, "test=smoke smp=4"); /* still read, bytewise */
	EXPECT_EQ(bi.nr_mmap, 4);
	free(raw);
	free(mbi);
}

TEST(mb2_huge_total_size)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi;

	mb_begin(&b);
	mb_str(&b, MB2_TAG_CMDLINE, "test=huge");
	add_mmap(&b, 1, 24);
	mb_end(&b);
	mbi = mb_finish(&b, 0xfffffff0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "total_size 0xfffffff0 too large");
	EXPECT_STREQ(bi.cmdline, "test=huge");
	EXPECT_EQ(bi.nr_mmap, 1);
	EXPECT_EQ(bi.mbi_end - bi.mbi_start, MB2_MAX_TOTAL_SIZE);
	free(mbi);
}

TEST(mb2_fatal)
{
	static struct boot_info bi;
	u8 tiny[8] __aligned(8) = {4, 0, 0, 0};

	EXPECT_TRUE(mb2_parse(NULL, &bi) < 0);
	EXPECT_ERR(&bi, "NULL");
	EXPECT_TRUE(mb2_parse(tiny, &bi) < 0);
	EXPECT_ERR(&bi, "total_size 4 is smaller than its header");
}

TEST(mb2_strings)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	char longline[400];
	u8 *mbi;

	memset(longline, 'a', sizeof(longline));
	longline[0] = 't';
	longline[399] = 0;
	mb_begin(&b);
	mb_tag(&b, MB2_TAG_CMDLINE, "test=abc", 8); /* no NUL inside the tag */
	add_module(&b, 0x400000, 0x400100, longline);
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "command line unterminated or longer than 255 bytes, cut");
	EXPECT_ERR(&bi, "module 0: command line cut");
	EXPECT_STREQ(bi.cmdline, "test=abc");
	EXPECT_EQ(strlen(bi.modules[0].args), sizeof(bi.modules[0].args) - 1);
	free(mbi);

	mb_begin(&b);
	mb_str(&b, MB2_TAG_CMDLINE, longline);
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_EQ(strlen(bi.cmdline), 255);
	EXPECT_ERR(&bi, "command line");
	free(mbi);
}

TEST(mb2_mmap_malformed)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi;
	u32 at;

	/* entry_size 0 must not loop; 20 is below the 24-byte entry */
	mb_begin(&b);
	at = add_mmap(&b, 2, 24);
	mb_end(&b);
	put32(b.buf + at + 8, 0);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "mmap entry_size 0 invalid");
	EXPECT_EQ(bi.nr_mmap, 0);
	free(mbi);

	put32(b.buf + at + 8, 20);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "mmap entry_size 20 invalid");
	free(mbi);

	/* tag length not a whole number of entries: the whole ones are kept */
	mb_begin(&b);
	at = add_mmap(&b, 3, 24);
	mb_end(&b);
	put32(b.buf + at + 4, 16 + 2 * 24 + 8);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "mmap tag: 8 trailing bytes ignored");
	EXPECT_EQ(bi.nr_mmap, 2);
	free(mbi);

	/* more entries than fit: one message, the first BOOT_MAX_MMAP kept */
	mb_begin(&b);
	add_mmap(&b, 200, 32);
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "more than 128 memory map entries, rest ignored");
	EXPECT_EQ(bi.nr_errors, 1);
	EXPECT_EQ(bi.nr_mmap, BOOT_MAX_MMAP);
	EXPECT_EQ(bi.mmap[127].base, 127 * 0x100000ull);
	free(mbi);
}

TEST(mb2_modules_malformed)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi;

	mb_begin(&b);
	for (unsigned int i = 0; i < 10; i++)
		add_module(&b, 0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, "m");
	add_module(&b, 0x5000, 0x4000, "backwards");
	mb_tag(&b, MB2_TAG_MODULE, "\0\0\0", 4); /* too short for start/end */
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_EQ(bi.nr_modules, BOOT_MAX_MODULES);
	EXPECT_ERR(&bi, "more than 8 modules, module at 0x1008000 ignored");
	EXPECT_EQ(bi.nr_errors, BOOT_MAX_ERRORS);
	EXPECT_EQ(bi.errors_dropped, 0);
	EXPECT_ERR(&bi, "module tag too short (12 bytes)");
	free(mbi);

	mb_begin(&b);
	add_module(&b, 0x5000, 0x4000, "backwards");
	mb_end(&b);
	mbi = mb_finish(&b, 0);
	EXPECT_EQ(mb2_parse(mbi, &bi), 0);
	EXPECT_ERR(&bi, "module 0x5000-0x4000 ends before it starts");
	EXPECT_EQ(bi.nr_modules, 0);
	free(mbi);
}

/* Multiboot1 as QEMU -kernel builds it: pointers are physical addresses, read through map. */
static void mb1_fixture(struct fakemem *m)
{
	u8 *lo, *mmap, *mods;

	fakemem_init(m);
	lo = fakemem_add(m, 0x9000, 0x1000);
	mmap = lo + 0x100;
	mods = lo + 0x200;
	put32(lo, MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
			  MB1_INFO_LOADER_NAME);
	put32(lo + MB1_OFF_MEM_LOWER, 639);
	put32(lo + MB1_OFF_MEM_UPPER, 0x1fb80);
	put32(lo + MB1_OFF_CMDLINE, 0x9400);
	strcpy((char *)lo + 0x400, "build/pihv.elf test=mb1");
	put32(lo + MB1_OFF_LOADER_NAME, 0x9480);
	strcpy((char *)lo + 0x480, "qemu");
	put32(lo + MB1_OFF_MMAP_ADDR, 0x9100);
	put32(lo + MB1_OFF_MMAP_LENGTH, 3 * 24);
	for (int i = 0; i < 3; i++) {
		put32(mmap + i * 24, 20);
		put64(mmap + i * 24 + 4, i * 0x100000ull);
		put64(mmap + i * 24 + 12, 0x9fc00);
		put32(mmap + i * 24 + 20, i == 1 ? 2 : 1);
	}
	put32(lo + MB1_OFF_MODS_COUNT, 1);
	put32(lo + MB1_OFF_MODS_ADDR, 0x9200);
	put32(mods, 0x300000);
	put32(mods + 4, 0x302000);
	put32(mods + 8, 0x9500);
	strcpy((char *)lo + 0x500, "guest.bin");
}

TEST(mb1_valid)
{
	static struct fakemem m;
	static struct boot_info bi;

	mb1_fixture(&m);
	EXPECT_EQ(mb1_parse_mapped(0x9000, fakemem_map, &m, &bi), 0);
	EXPECT_NO_ERR(&bi);
	EXPECT_EQ(bi.loader, BOOT_LOADER_MB1);
	EXPECT_STREQ(bi.cmdline, "build/pihv.elf test=mb1");
	EXPECT_STREQ(bi.loader_name, "qemu");
	EXPECT_EQ(bi.mem_upper_kb, 0x1fb80);
	EXPECT_EQ(bi.nr_mmap, 3);
	EXPECT_EQ(bi.mmap[2].base, 0x200000);
	EXPECT_EQ(bi.mmap[1].type, 2);
	EXPECT_EQ(bi.nr_modules, 1);
	EXPECT_EQ(bi.modules[0].end, 0x302000);
	EXPECT_STREQ(bi.modules[0].args, "guest.bin");
	EXPECT_EQ(bi.rsdp, 0);
	fakemem_free(&m);
}

TEST(mb1_malformed)
{
	static struct fakemem m;
	static struct boot_info bi;
	u8 *lo;

	mb1_fixture(&m);
	EXPECT_TRUE(mb1_parse_mapped(0x7000, fakemem_map, &m, &bi) < 0);
	EXPECT_ERR(&bi, "multiboot1 info at 0x7000 not readable");

	lo = fakemem_ptr(&m, 0x9000);
	put32(lo + 0x100 + 24, 0);	       /* second mmap entry: size 0 */
	put32(lo + MB1_OFF_CMDLINE, 0x8ffff8); /* unmapped */
	put32(lo + MB1_OFF_MODS_COUNT, 1000);
	EXPECT_EQ(mb1_parse_mapped(0x9000, fakemem_map, &m, &bi), 0);
	EXPECT_ERR(&bi, "MB1 mmap entry at +24: size 0 invalid");
	EXPECT_EQ(bi.nr_mmap, 1);
	EXPECT_ERR(&bi, "MB1 command line unreadable");
	EXPECT_ERR(&bi, "MB1: 1000 modules, only the first 8 used");
	EXPECT_EQ(bi.nr_modules, 8); /* the descriptors are readable, if nonsensical */
	fakemem_free(&m);
}

/* Five problems, four message slots: the fifth is counted, never written past the array. */
TEST(mb2_error_overflow)
{
	static struct mbi_builder b;
	static struct boot_info bi;
	u8 *mbi, *raw;
	u32 at;

	mb_begin(&b);
	mb_tag(&b, MB2_TAG_CMDLINE, "test=abc", 8); /* unterminated */
	mb_tag(&b, MB2_TAG_MODULE, "\0\0\0", 4);    /* too short */
	at = mb_str(&b, MB2_TAG_LOADER_NAME, "GRUB");
	mb_end(&b);
	put32(b.buf + at + 4, 2); /* truncated tag */
	mbi = mb_finish(&b, 0xffffff00);
	raw = malloc(b.off + 4);
	memcpy(raw + 4, mbi, b.off); /* misaligned */
	EXPECT_EQ(mb2_parse(raw + 4, &bi), 0);
	EXPECT_EQ(bi.nr_errors, BOOT_MAX_ERRORS);
	EXPECT_EQ(bi.errors_dropped, 1);
	EXPECT_ERR(&bi, "not 8-byte aligned");
	EXPECT_STREQ(bi.cmdline, "test=abc");
	free(raw);
	free(mbi);
}
