/*
 * vmboot/image*.c: multiboot v1 / v2 headers, ELF32 / ELF64 program headers and the a.out
 * kludge, valid and malformed.  Each malformed image must be refused with a message that names
 * the problem, and never read outside the buffer (ASan: images are exact-size heap copies).
 */
#include <stdlib.h>

#include "tests/host/test.h"
#include "vmboot/image.h"

#define MEM (8ull << 20)

static void st16(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}
static void st32(u8 *p, u32 v)
{
	st16(p, v);
	st16(p + 2, v >> 16);
}
static void st64(u8 *p, u64 v)
{
	st32(p, (u32)v);
	st32(p + 4, (u32)(v >> 32));
}

/* An ELF executable with n PT_LOADs described by (offset, paddr, filesz, memsz) quadruples. */
static void elf(u8 *img, bool is64, u64 entry, u32 n, const u64 (*seg)[4])
{
	u32 phoff = is64 ? 64 : 52, phsz = is64 ? 56 : 32;

	memcpy(img,
	       "\x7f"
	       "ELF",
	       4);
	img[4] = is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	st16(img + 16, 2);
	st16(img + 18, is64 ? 62 : 3);
	st32(img + 20, 1);
	if (is64) {
		st64(img + 24, entry);
		st64(img + 32, phoff);
		st16(img + 54, phsz);
		st16(img + 56, n);
	} else {
		st32(img + 24, (u32)entry);
		st32(img + 28, phoff);
		st16(img + 42, phsz);
		st16(img + 44, n);
	}
	for (u32 i = 0; i < n; i++) {
		u8 *ph = img + phoff + i * phsz;

		st32(ph, 1);
		if (is64) {
			st64(ph + 8, seg[i][0]);
			st64(ph + 16, seg[i][1]);
			st64(ph + 24, seg[i][1]);
			st64(ph + 32, seg[i][2]);
			st64(ph + 40, seg[i][3]);
		} else {
			st32(ph + 4, (u32)seg[i][0]);
			st32(ph + 8, (u32)seg[i][1]);
			st32(ph + 12, (u32)seg[i][1]);
			st32(ph + 16, (u32)seg[i][2]);
			st32(ph + 20, (u32)seg[i][3]);
		}
	}
}

static void mb1(u8 *img, u32 off, u32 flags)
{
	st32(img + off, MB1_HEADER_MAGIC);
	st32(img + off + 4, flags);
	st32(img + off + 8, -(MB1_HEADER_MAGIC + flags));
}

static void mb1_aout(u8 *img, u32 off, u32 haddr, u32 load, u32 lend, u32 bss, u32 entry)
{
	mb1(img, off, 1u << 16);
	st32(img + off + 12, haddr);
	st32(img + off + 16, load);
	st32(img + off + 20, lend);
	st32(img + off + 24, bss);
	st32(img + off + 28, entry);
}

/* A multiboot2 header with the given tags (already laid out, 8-aligned) and an end tag. */
static void mb2(u8 *img, u32 off, const u8 *tags, u32 tlen)
{
	u32 len = 16 + tlen + 8;

	st32(img + off, MB2_HEADER_MAGIC);
	st32(img + off + 4, 0);
	st32(img + off + 8, len);
	st32(img + off + 12, -(MB2_HEADER_MAGIC + len));
	if (tlen)
		memcpy(img + off + 16, tags, tlen);
	st16(img + off + 16 + tlen, 0);
	st16(img + off + 18 + tlen, 0);
	st32(img + off + 20 + tlen, 8);
}

/* Runs image_plan on an exact-size heap copy (so ASan sees any overread). */
static int plan(const u8 *img, u64 size, enum image_format want, struct image_plan *p, char *err)
{
	u8 *copy = malloc(size ? size : 1);
	int r;

	memcpy(copy, img, size);
	r = image_plan(copy, size, MEM, 0x10000, want, p, err);
	free(copy);
	return r;
}

#define EXPECT_REFUSED(img, size, sub)                                                             \
	({                                                                                         \
		struct image_plan _p;                                                              \
		char _e[IMAGE_ERR_LEN];                                                            \
		bool _r = plan(img, size, IMAGE_AUTO, &_p, _e) < 0;                                \
		test_report(_r &&strstr(_e, sub), __FILE__, __LINE__,                              \
			    "refused with \"%s\" (got %s: \"%s\")", sub,                           \
			    _r ? "refused" : "accepted", _e);                                      \
	})

TEST(image_flat)
{
	u8 img[256] = {0x90};
	struct image_plan p;
	char err[IMAGE_ERR_LEN];

	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_EQ(p.format, IMAGE_FLAT);
	EXPECT_EQ(p.entry, 0x10000);
	EXPECT_EQ(p.nr_segs, 1);
	EXPECT_EQ(p.segs[0].gpa, 0x10000);
	EXPECT_EQ(p.hi, 0x10000 + sizeof(img));
	EXPECT_REFUSED(img, 0, "empty module");
	/* A magic with a bad checksum is no header: the image stays flat. */
	st32(img + 8, MB1_HEADER_MAGIC);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_EQ(p.format, IMAGE_FLAT);
	EXPECT_TRUE(plan(img, sizeof(img), IMAGE_MB1, &p, err) < 0 && strstr(err, "boot=mb1"));
	EXPECT_TRUE(plan(img, sizeof(img), IMAGE_MB2, &p, err) < 0 && strstr(err, "boot=mb2"));
}

TEST(image_mb1_elf32)
{
	static u8 img[0x3000];
	const u64 seg[2][4] = {{0x1000, 0x100000, 0x800, 0x1000},
			       {0x2000, 0x101000, 0x100, 0x5000}};
	struct image_plan p;
	char err[IMAGE_ERR_LEN];

	memset(img, 0, sizeof(img));
	elf(img, false, 0x100010, 2, seg);
	mb1(img, 0x1000, 3);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_STREQ(err, "");
	EXPECT_EQ(p.format, IMAGE_MB1);
	EXPECT_STREQ(p.how, "ELF32 program headers");
	EXPECT_EQ(p.header_off, 0x1000);
	EXPECT_EQ(p.entry, 0x100010);
	EXPECT_EQ(p.nr_segs, 2);
	EXPECT_EQ(p.segs[1].file_off, 0x2000);
	EXPECT_EQ(p.segs[1].file_size, 0x100);
	EXPECT_EQ(p.segs[1].mem_size, 0x5000);
	EXPECT_EQ(p.lo, 0x100000);
	EXPECT_EQ(p.hi, 0x106000);
	EXPECT_TRUE(p.page_align_mods);
}

TEST(image_mb2_elf64)
{
	static u8 img[0x3000];
	const u64 seg[1][4] = {{0x1000, 0x200000, 0x1000, 0x3000}};
	/* info request for cmdline + mmap, module alignment, optional framebuffer, relocatable */
	u8 tags[64] = {0};
	struct image_plan p;
	char err[IMAGE_ERR_LEN];

	memset(img, 0, sizeof(img));
	elf(img, true, 0x200000, 1, seg);
	st16(tags, 1), st32(tags + 4, 16), st32(tags + 8, 1), st32(tags + 12, 6);
	st16(tags + 16, 6), st32(tags + 20, 8);
	st16(tags + 24, 5), st16(tags + 26, 1), st32(tags + 28, 20);
	st16(tags + 48, 10), st32(tags + 52, 8); /* short, but only its type matters */
	mb2(img, 0x800, tags, 56);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_STREQ(err, "");
	EXPECT_EQ(p.format, IMAGE_MB2);
	EXPECT_STREQ(p.how, "ELF64 program headers");
	EXPECT_EQ(p.entry, 0x200000);
	EXPECT_TRUE(p.page_align_mods && p.wants_video);
	/* Both headers: multiboot2 wins unless boot=mb1. */
	mb1(img, 0x400, 0);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_EQ(p.format, IMAGE_MB2);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_MB1, &p, err), 0);
	EXPECT_EQ(p.format, IMAGE_MB1);
	EXPECT_EQ(p.header_off, 0x400);
}

TEST(image_mb1_aout)
{
	static u8 img[0x2000];
	struct image_plan p;
	char err[IMAGE_ERR_LEN];

	memset(img, 0, sizeof(img));
	/* header at file 0x40 = physical 0x100040: the file loads from 0 at 0x100000 */
	mb1_aout(img, 0x40, 0x100040, 0x100000, 0x101800, 0x108000, 0x100060);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_STREQ(err, "");
	EXPECT_STREQ(p.how, "a.out-kludge address fields");
	EXPECT_EQ(p.segs[0].file_off, 0);
	EXPECT_EQ(p.segs[0].file_size, 0x1800);
	EXPECT_EQ(p.segs[0].mem_size, 0x8000);
	EXPECT_EQ(p.entry, 0x100060);
	/* load_end 0: the whole file; bss_end 0: no bss */
	mb1_aout(img, 0x40, 0x100040, 0x100000, 0, 0, 0x100060);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_EQ(p.segs[0].file_size, sizeof(img));
	EXPECT_EQ(p.segs[0].mem_size, sizeof(img));
	/* The kludge wins over ELF headers (Multiboot 3.1.3). */
	const u64 seg[1][4] = {{0, 0x300000, 0x100, 0x100}};
	elf(img, false, 0x300000, 1, seg);
	mb1_aout(img, 0x1000, 0x101000, 0x100000, 0, 0, 0x100000);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_EQ(p.segs[0].gpa, 0x100000);
}

TEST(image_mb1_malformed)
{
	static u8 img[0x3000];

	memset(img, 0, sizeof(img));
	mb1(img, 0, 1u << 5);
	EXPECT_REFUSED(img, sizeof(img), "requires features 0x20 that pihv does not know");
	/* the header's fields end past 8 KiB */
	memset(img, 0, sizeof(img));
	mb1(img, 8192 - 16, 1u << 16);
	EXPECT_REFUSED(img, sizeof(img), "runs past 8 KiB or the file");
	/* ... or past the end of the file */
	memset(img, 0, sizeof(img));
	mb1(img, 0x20, 1u << 16);
	EXPECT_REFUSED(img, 0x30, "runs past 8 KiB or the file");
	memset(img, 0, 0x40);
	/* a.out: header_addr below load_addr; load window past the file; bss below load end */
	mb1_aout(img, 0x40, 0x100000, 0x100040, 0, 0, 0x100040);
	EXPECT_REFUSED(img, sizeof(img), "do not fit the header's file offset");
	mb1_aout(img, 0x40, 0x100040, 0x100000, 0x110000, 0, 0x100040);
	EXPECT_REFUSED(img, sizeof(img), "but the file has");
	mb1_aout(img, 0x40, 0x100040, 0x100000, 0x101000, 0x100800, 0x100040);
	EXPECT_REFUSED(img, sizeof(img), "bss_end_addr 0x100800 is below");
	mb1_aout(img, 0x40, 0x100040, 0x100000, 0x100000, 0, 0x100040);
	EXPECT_REFUSED(img, sizeof(img), "is not above load_addr");
	/* outside RAM, wrapping, entry outside */
	mb1_aout(img, 0x40, 0xfff00040u, 0xfff00000u, 0, 0xffffffffu, 0xfff00040u);
	EXPECT_REFUSED(img, sizeof(img), "outside guest RAM");
	mb1_aout(img, 0x40, 0x7ff040, 0x7ff000, 0, 0, 0x7ff040);
	EXPECT_REFUSED(img, sizeof(img), "outside guest RAM (0-0x800000): raise mem=");
	mb1_aout(img, 0x40, 0x100040, 0x100000, 0, 0, 0x200000);
	EXPECT_REFUSED(img, sizeof(img), "entry point 0x200000 is not inside the loaded image");
	/* no kludge and no ELF */
	mb1(img, 0x40, 0);
	EXPECT_REFUSED(img, sizeof(img), "not an ELF file");
}

TEST(image_elf_malformed)
{
	static u8 img[0x2000];
	const u64 ok[2][4] = {{0x1000, 0x100000, 0x100, 0x1000}, {0x1100, 0x101000, 0x100, 0x100}};
	u64 seg[2][4];

#define RESET(is64)                                                                                \
	do {                                                                                       \
		memset(img, 0, sizeof(img));                                                       \
		memcpy(seg, ok, sizeof(seg));                                                      \
		elf(img, is64, 0x100000, 2, ok);                                                   \
		mb1(img, 0x800, 0);                                                                \
	} while (0)

	for (int is64 = 0; is64 < 2; is64++) {
		RESET(is64);
		EXPECT_TRUE(({
			struct image_plan p;
			char e[IMAGE_ERR_LEN];
			plan(img, sizeof(img), IMAGE_AUTO, &p, e) == 0;
		}));
		img[4] = 3;
		EXPECT_REFUSED(img, sizeof(img), "neither 32- nor 64-bit");
		RESET(is64);
		img[5] = 2;
		EXPECT_REFUSED(img, sizeof(img), "not a little-endian");
		RESET(is64);
		st16(img + 16, 3);
		EXPECT_REFUSED(img, sizeof(img), "not an executable");
		RESET(is64);
		st16(img + 18, is64 ? 3 : 62);
		EXPECT_REFUSED(img, sizeof(img), is64 ? "not x86-64" : "not i386");
		RESET(is64);
		st16(img + (is64 ? 54 : 42), 8);
		EXPECT_REFUSED(img, sizeof(img), "entries are too small");
		RESET(is64);
		st16(img + (is64 ? 56 : 44), 0);
		EXPECT_REFUSED(img, sizeof(img), "no program headers");
		RESET(is64);
		st16(img + (is64 ? 56 : 44), 0x1000);
		EXPECT_REFUSED(img, sizeof(img), "program headers run past the end");
		RESET(is64);
		if (is64)
			st64(img + 32, ~0ull - 8);
		else
			st32(img + 28, 0xfffffff0u);
		EXPECT_REFUSED(img, sizeof(img), "program headers run past the end");
		/* segment file range past the file, overflowing, overlapping, outside RAM */
		RESET(is64);
		seg[1][2] = 0x2000;
		seg[1][3] = 0x2000;
		elf(img, is64, 0x100000, 2, (const u64(*)[4])seg);
		EXPECT_REFUSED(img, sizeof(img), "runs past the end of the file");
		RESET(is64);
		seg[1][0] = is64 ? ~0ull - 0x10 : 0xfffffff0u;
		elf(img, is64, 0x100000, 2, (const u64(*)[4])seg);
		EXPECT_REFUSED(img, sizeof(img), "runs past the end of the file");
		RESET(is64);
		seg[1][1] = 0x100800;
		elf(img, is64, 0x100000, 2, (const u64(*)[4])seg);
		EXPECT_REFUSED(img, sizeof(img), "overlap");
		RESET(is64);
		seg[1][1] = MEM - 0x80;
		elf(img, is64, 0x100000, 2, (const u64(*)[4])seg);
		EXPECT_REFUSED(img, sizeof(img), "outside guest RAM");
		RESET(is64);
		seg[1][1] = is64 ? ~0ull - 0x10 : 0xfffffff0u;
		elf(img, is64, 0x100000, 2, (const u64(*)[4])seg);
		EXPECT_REFUSED(img, sizeof(img), is64 ? "wraps around" : "outside guest RAM");
		RESET(is64);
		seg[0][2] = 0x800; /* filesz > memsz */
		seg[0][3] = 0x400;
		elf(img, is64, 0x100000, 2, (const u64(*)[4])seg);
		EXPECT_REFUSED(img, sizeof(img), "file bytes exceed");
		RESET(is64);
		elf(img, is64, 0x180000, 2, ok);
		EXPECT_REFUSED(img, sizeof(img), "entry point 0x180000");
	}
	/* an ELF64 entry above 4 GiB */
	RESET(1);
	const u64 hi[1][4] = {{0x1000, 0x100000, 0x100, 0x100}};
	elf(img, true, 0x100000, 1, hi);
	EXPECT_TRUE(({
		struct image_plan p;
		char e[IMAGE_ERR_LEN];
		plan(img, sizeof(img), IMAGE_AUTO, &p, e) == 0;
	}));
	/* a file too short for its ELF header (the ELF loader alone: no header fits either) */
	{
		struct image_plan p = {0};
		char e[IMAGE_ERR_LEN];
		u8 *c = malloc(60);

		memcpy(c, img, 60);
		EXPECT_TRUE(image_elf_plan(c, 40, MEM, &p, e) < 0 && strstr(e, "not an ELF file"));
		EXPECT_TRUE(image_elf_plan(c, 60, MEM, &p, e) < 0 &&
			    strstr(e, "shorter than its ELF64 header"));
		free(c);
	}
#undef RESET
}

TEST(image_mb2_malformed)
{
	static u8 img[0x9000];
	u8 tags[32] = {0};
	const u64 seg[1][4] = {{0x1000, 0x100000, 0x100, 0x100}};

	memset(img, 0, sizeof(img));
	elf(img, true, 0x100000, 1, seg);
	mb2(img, 0x800, NULL, 0);
	st32(img + 0x804, 4);
	st32(img + 0x80c, -(MB2_HEADER_MAGIC + 4 + 24));
	EXPECT_REFUSED(img, sizeof(img), "architecture 4 is not i386");
	/* header_length too small, past 32 KiB, past the file */
	mb2(img, 0x800, NULL, 0);
	st32(img + 0x808, 8);
	st32(img + 0x80c, -(MB2_HEADER_MAGIC + 8));
	EXPECT_REFUSED(img, sizeof(img), "header_length 8");
	mb2(img, 0x7ff0, NULL, 0);
	EXPECT_REFUSED(img, sizeof(img), "does not end inside the first 32 KiB");
	memset(img + 0x7ff0, 0, 16);
	/* no end tag: a tag whose size runs out of the header */
	st16(tags, 4), st32(tags + 4, 64);
	mb2(img, 0x800, tags, 16);
	EXPECT_REFUSED(img, sizeof(img), "size runs outside the header");
	st16(tags, 4), st32(tags + 4, 4);
	mb2(img, 0x800, tags, 16);
	EXPECT_REFUSED(img, sizeof(img), "size runs outside the header");
	/* required framebuffer, EFI, unknown tag, info request pihv cannot meet */
	memset(tags, 0, sizeof(tags));
	st16(tags, 5), st32(tags + 4, 20);
	mb2(img, 0x800, tags, 24);
	EXPECT_REFUSED(img, sizeof(img), "requires a framebuffer");
	memset(tags, 0, sizeof(tags));
	st16(tags, 7), st32(tags + 4, 8);
	mb2(img, 0x800, tags, 8);
	EXPECT_REFUSED(img, sizeof(img), "requires EFI");
	st16(tags, 99);
	mb2(img, 0x800, tags, 8);
	EXPECT_REFUSED(img, sizeof(img), "unknown and not optional");
	st16(tags + 2, 1); /* optional: fine */
	mb2(img, 0x800, tags, 8);
	EXPECT_TRUE(({
		struct image_plan p;
		char e[IMAGE_ERR_LEN];
		plan(img, sizeof(img), IMAGE_AUTO, &p, e) == 0;
	}));
	memset(tags, 0, sizeof(tags));
	st16(tags, 1), st32(tags + 4, 12), st32(tags + 8, 14);
	mb2(img, 0x800, tags, 16);
	EXPECT_REFUSED(img, sizeof(img), "requires boot information tag 14");
	/* address tag without entry, short address/entry tags, entry tag outside the image */
	memset(tags, 0, sizeof(tags));
	st16(tags, 2), st32(tags + 4, 24);
	mb2(img, 0x800, tags, 24);
	EXPECT_REFUSED(img, sizeof(img), "address tag without an entry address tag");
	st32(tags + 4, 16);
	mb2(img, 0x800, tags, 16);
	EXPECT_REFUSED(img, sizeof(img), "shorter than 24 bytes");
	memset(tags, 0, sizeof(tags));
	st16(tags, 3), st32(tags + 4, 8);
	mb2(img, 0x800, tags, 8);
	EXPECT_REFUSED(img, sizeof(img), "shorter than 12 bytes");
	st32(tags + 4, 12), st32(tags + 8, 0x400000);
	mb2(img, 0x800, tags, 16);
	EXPECT_REFUSED(img, sizeof(img), "entry point 0x400000");
}

TEST(image_mb2_address_tag)
{
	static u8 img[0x2000];
	u8 tags[40] = {0};
	struct image_plan p;
	char err[IMAGE_ERR_LEN];

	memset(img, 0, sizeof(img));
	/* load_addr ~0: from the file's start; the header at file 0x100 is at 0x100100 */
	st16(tags, 2), st32(tags + 4, 24);
	st32(tags + 8, 0x100100), st32(tags + 12, 0xffffffffu), st32(tags + 16, 0);
	st32(tags + 20, 0x110000);
	st16(tags + 24, 3), st32(tags + 28, 12), st32(tags + 32, 0x100200);
	mb2(img, 0x100, tags, 40);
	EXPECT_EQ(plan(img, sizeof(img), IMAGE_AUTO, &p, err), 0);
	EXPECT_STREQ(err, "");
	EXPECT_EQ(p.segs[0].gpa, 0x100000);
	EXPECT_EQ(p.segs[0].file_off, 0);
	EXPECT_EQ(p.segs[0].file_size, sizeof(img));
	EXPECT_EQ(p.segs[0].mem_size, 0x10000);
	EXPECT_EQ(p.entry, 0x100200);
	st32(tags + 8, 0x80);
	mb2(img, 0x100, tags, 40);
	EXPECT_REFUSED(img, sizeof(img), "header_addr 0x80 is below the header's file offset");
}
