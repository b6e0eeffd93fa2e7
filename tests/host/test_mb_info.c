/*
 * vmboot/mb_info.c, mb1_info.c, mb2_info.c: the boot information pihv builds for a multiboot
 * guest, read back with pihv's own loader-side parsers (boot/mb2_parse.c), so the two sides of
 * the spec check each other.
 */
#include <stdlib.h>

#include "boot/multiboot2.h"
#include "lib/boot_info.h"
#include "tests/host/test.h"
#include "vmboot/mb_info.h"

#define GMEM (4ull << 20)

struct gmem {
	u8 *mem;
	u64 size;
};

static const void *gmap(u64 pa, u64 len, void *ctx)
{
	struct gmem *g = ctx;

	if (pa > g->size || len > g->size - pa)
		return NULL;
	return g->mem + pa;
}

static void setup(struct mb_boot *b, enum image_format f, u8 *mod0, u8 *mod1)
{
	memset(b, 0, sizeof(*b));
	b->format = f;
	b->mem_size = GMEM;
	b->cmdline = "k console=ttyS0 a=1";
	b->nr_mods = 2;
	b->mods[0] = (struct mb_mod){mod0, 5000, "m0 x=1", 0};
	b->mods[1] = (struct mb_mod){mod1, 16, "", 0};
}

static void check_common(const struct boot_info *bi, const struct mb_boot *b)
{
	EXPECT_NO_ERR(bi);
	EXPECT_STREQ(bi->cmdline, "k console=ttyS0 a=1");
	EXPECT_STREQ(bi->loader_name, "pihv");
	EXPECT_EQ(bi->mem_lower_kb, 640);
	EXPECT_EQ(bi->mem_upper_kb, (GMEM >> 10) - 1024);
	EXPECT_EQ(bi->nr_mmap, 3);
	EXPECT_TRUE(bi->mmap[0].base == 0 && bi->mmap[0].len == 0xa0000 && bi->mmap[0].type == 1);
	EXPECT_TRUE(bi->mmap[1].base == 0xa0000 && bi->mmap[1].len == 0x60000 &&
		    bi->mmap[1].type == 2);
	EXPECT_TRUE(bi->mmap[2].base == 0x100000 && bi->mmap[2].len == GMEM - 0x100000 &&
		    bi->mmap[2].type == 1);
	EXPECT_EQ(bi->nr_modules, 2);
	EXPECT_EQ(bi->modules[0].start, b->mods[0].gpa);
	EXPECT_EQ(bi->modules[0].end, b->mods[0].gpa + 5000);
	EXPECT_STREQ(bi->modules[0].args, "m0 x=1");
	EXPECT_EQ(bi->modules[1].end - bi->modules[1].start, 16);
	EXPECT_STREQ(bi->modules[1].args, "");
}

TEST(mb_info_layout)
{
	struct mb_boot b;
	char err[IMAGE_ERR_LEN];
	u8 m[5000];

	setup(&b, IMAGE_MB1, m, m);
	EXPECT_EQ(mb_layout(&b, 0x123456, err), 0);
	EXPECT_EQ(b.mods[0].gpa, 0x124000); /* page aligned above the image */
	EXPECT_EQ(b.mods[1].gpa, 0x126000);
	EXPECT_EQ(b.info_gpa, 0x127000);
	EXPECT_EQ(b.info_size, mb1_info_size(&b));
	/* does not fit: the image reaches the end of memory */
	EXPECT_EQ(mb_layout(&b, GMEM - 0x1000, err), -1);
	EXPECT_TRUE(strstr(err, "do not fit in 4096 KiB: raise mem=") != NULL);
	b.nr_mods = 0;
	EXPECT_EQ(mb_layout(&b, GMEM - 0x100, err), -1);
	EXPECT_EQ(mb_layout(&b, GMEM - 0x1000, err), 0);
	EXPECT_EQ(mb_layout(&b, GMEM + 0x2000, err), -1);
}

TEST(mb_info_v1_roundtrip)
{
	struct gmem g = {calloc(1, GMEM), GMEM};
	struct boot_info *bi = calloc(1, sizeof(*bi));
	struct mb_boot b;
	char err[IMAGE_ERR_LEN];
	u8 m0[5000], m1[16];

	memset(m0, 0xa5, sizeof(m0));
	memset(m1, 0x5a, sizeof(m1));
	setup(&b, IMAGE_MB1, m0, m1);
	EXPECT_EQ(mb_layout(&b, 0x108000, err), 0);
	mb_info_write(g.mem, &b);
	EXPECT_EQ(mb1_parse_mapped(b.info_gpa, gmap, &g, bi), 0);
	check_common(bi, &b);
	EXPECT_EQ(memcmp(g.mem + b.mods[0].gpa, m0, sizeof(m0)), 0);
	EXPECT_EQ(memcmp(g.mem + b.mods[1].gpa, m1, sizeof(m1)), 0);
	/* flags: mem, cmdline, mods, mmap, loader name */
	EXPECT_EQ(*(u32 *)(g.mem + b.info_gpa), 0x24d);
	/* the block stays inside what mb_layout reserved */
	EXPECT_TRUE(bi->mbi_start == b.info_gpa);
	free(bi);
	free(g.mem);
}

TEST(mb_info_v2_roundtrip)
{
	struct gmem g = {calloc(1, GMEM), GMEM};
	struct boot_info *bi = calloc(1, sizeof(*bi));
	struct mb_boot b;
	char err[IMAGE_ERR_LEN];
	u8 m0[5000], m1[16];
	u32 total;

	memset(m0, 0x11, sizeof(m0));
	memset(m1, 0x22, sizeof(m1));
	setup(&b, IMAGE_MB2, m0, m1);
	EXPECT_EQ(mb_layout(&b, 0x200001, err), 0);
	EXPECT_EQ(b.mods[0].gpa, 0x201000);
	mb_info_write(g.mem, &b);
	total = *(u32 *)(g.mem + b.info_gpa);
	EXPECT_TRUE(total <= b.info_size && total % 8 == 0);
	EXPECT_EQ(b.info_gpa % 8, 0);
	EXPECT_EQ(mb2_parse(g.mem + b.info_gpa, bi), 0);
	check_common(bi, &b);
	EXPECT_EQ(memcmp(g.mem + b.mods[0].gpa, m0, sizeof(m0)), 0);
	free(bi);
	free(g.mem);
}

TEST(mb_info_small_memory_map)
{
	struct mb_mmap_entry e[3];

	EXPECT_EQ(mb_mmap(0x80000, e), 1);
	EXPECT_EQ(e[0].len, 0x80000);
	EXPECT_EQ(mb_mmap(0x100000, e), 2);
	EXPECT_EQ(mb_mmap(0x100000 + 4096, e), 3);
	EXPECT_EQ(e[2].len, 4096);
}
