/*
 * vmboot/bzimage.c: a synthetic bzImage header like bookworm's kernel (protocol 2.15,
 * relocatable, 64 MiB init_size, preferred address 16 MiB) and each way a header can be wrong.
 */
#include <stdlib.h>

#include "tests/host/test.h"
#include "vmboot/bzimage.h"

#define MIB (1ull << 20)

static u8 *fake_kernel(u64 size)
{
	u8 *k = calloc(1, size);

	k[BZ_OFF_SETUP_SECTS] = 39;
	k[BZ_OFF_BOOT_FLAG] = 0x55;
	k[BZ_OFF_BOOT_FLAG + 1] = 0xaa;
	memcpy(k + BZ_OFF_HEADER, "HdrS", 4);
	k[BZ_OFF_VERSION] = 0x0f;
	k[BZ_OFF_VERSION + 1] = 0x02;
	k[BZ_OFF_LOADFLAGS] = BZ_LOADFLAGS_LOADED_HIGH;
	k[BZ_OFF_CODE32_START + 2] = 0x10; /* 0x100000 */
	memcpy(k + BZ_OFF_INITRD_MAX, "\xff\xff\xff\x7f", 4);
	k[BZ_OFF_KERNEL_ALIGN + 2] = 0x20; /* 2 MiB */
	k[BZ_OFF_RELOCATABLE] = 1;
	k[BZ_OFF_CMDLINE_SIZE] = 0xff;
	k[BZ_OFF_CMDLINE_SIZE + 1] = 0x07; /* 2047 */
	k[BZ_OFF_PREF_ADDRESS + 3] = 0x01; /* 16 MiB */
	k[BZ_OFF_INIT_SIZE + 3] = 0x04;	   /* 64 MiB */
	return k;
}

static u32 zp32(const u8 *zp, u32 off)
{
	return zp[off] | zp[off + 1] << 8 | zp[off + 2] << 16 | (u32)zp[off + 3] << 24;
}

TEST(bzimage_plan_debian_like)
{
	u64 size = 8 * MIB;
	u8 *k = fake_kernel(size);
	struct bz_plan p;
	char err[BZ_ERR_LEN] = "";

	EXPECT_TRUE(bz_detect(k, size));
	EXPECT_EQ(bz_plan(k, size, 128 * MIB, &p, err), 0);
	EXPECT_EQ(p.version, 0x20f);
	EXPECT_EQ(p.kernel_off, 40 * 512);
	EXPECT_EQ(p.kernel_size, size - 40 * 512);
	EXPECT_EQ(p.init_size, 64 * MIB);
	EXPECT_EQ(p.pref_address, 16 * MIB);
	EXPECT_EQ(p.cmdline_max, 2047);
	EXPECT_TRUE(p.relocatable);
	/* 16 MiB + 64 MiB must fit */
	EXPECT_EQ(bz_plan(k, size, 64 * MIB, &p, err), -1);
	EXPECT_TRUE(strstr(err, "needs 80 MiB") != NULL);
	free(k);
}

TEST(bzimage_refusals)
{
	u64 size = 1 * MIB;
	u8 *k = fake_kernel(size);
	struct bz_plan p;
	char err[BZ_ERR_LEN];

	EXPECT_EQ(bz_plan(k, 100, 128 * MIB, &p, err), -1); /* shorter than the header */
	EXPECT_TRUE(strstr(err, "not a bzImage") != NULL);
	k[BZ_OFF_VERSION] = 0x0b; /* 2.11 */
	EXPECT_EQ(bz_plan(k, size, 128 * MIB, &p, err), -1);
	EXPECT_TRUE(strstr(err, "older than 2.12") != NULL);
	k[BZ_OFF_VERSION] = 0x0f;
	k[BZ_OFF_LOADFLAGS] = 0;
	EXPECT_EQ(bz_plan(k, size, 128 * MIB, &p, err), -1);
	EXPECT_TRUE(strstr(err, "zImage") != NULL);
	k[BZ_OFF_LOADFLAGS] = BZ_LOADFLAGS_LOADED_HIGH;
	k[BZ_OFF_SETUP_SECTS] = 0xff; /* 128 KiB of setup in a file of ... */
	EXPECT_EQ(bz_plan(k, 0x20000, 128 * MIB, &p, err), -1);
	EXPECT_TRUE(strstr(err, "leaves no kernel") != NULL);
	k[BZ_OFF_SETUP_SECTS] = 39;
	memset(k + BZ_OFF_INIT_SIZE, 0, 4); /* init_size 0 < the kernel */
	EXPECT_EQ(bz_plan(k, size, 128 * MIB, &p, err), -1);
	EXPECT_TRUE(strstr(err, "init_size") != NULL);
	/* an init_size that wraps the address space */
	memset(k + BZ_OFF_INIT_SIZE, 0xff, 4);
	memset(k + BZ_OFF_PREF_ADDRESS, 0xff, 8);
	EXPECT_EQ(bz_plan(k, size, 128 * MIB, &p, err), -1);
	free(k);
}

TEST(bzimage_initrd_and_zero_page)
{
	u64 size = 8 * MIB, initrd = 0, mem = 128 * MIB;
	u8 *k = fake_kernel(size), zp[4096];
	struct bz_plan p;
	struct bz_e820 map[BZ_E820_MAX];
	char err[BZ_ERR_LEN];
	u32 n;

	EXPECT_EQ(bz_plan(k, size, mem, &p, err), 0);
	EXPECT_EQ(bz_place_initrd(&p, mem, 1000000, &initrd, err), 0);
	EXPECT_EQ(initrd & 4095, 0);
	EXPECT_TRUE(initrd + 1000000 <= mem && initrd >= 80 * MIB);
	/* too big to sit above the decompressing kernel */
	EXPECT_EQ(bz_place_initrd(&p, mem, 60 * MIB, &initrd, err), -1);
	n = bz_e820_map(mem, map, BZ_E820_MAX);
	EXPECT_EQ(n, 3);
	EXPECT_EQ(map[2].addr + map[2].size, mem);
	EXPECT_EQ(map[1].type, BZ_E820_RESERVED);
	bz_place_initrd(&p, mem, 1000000, &initrd, err);
	bz_zero_page(zp, k, BZ_CMDLINE, initrd, 1000000, map, n);
	EXPECT_EQ(zp[BZ_OFF_TYPE_OF_LOADER], BZ_LOADER_UNDEFINED);
	EXPECT_EQ(zp32(zp, BZ_OFF_HEADER), 0x53726448);
	EXPECT_EQ(zp32(zp, BZ_OFF_CODE32_START), BZ_LOAD);
	EXPECT_EQ(zp32(zp, BZ_OFF_CMD_LINE_PTR), BZ_CMDLINE);
	EXPECT_EQ(zp32(zp, BZ_OFF_RAMDISK_IMAGE), initrd);
	EXPECT_EQ(zp32(zp, BZ_OFF_RAMDISK_SIZE), 1000000);
	EXPECT_EQ(zp[BZ_OFF_E820_ENTRIES], 3);
	EXPECT_EQ(zp32(zp, BZ_OFF_E820_TABLE + 2 * 20), BZ_LOAD);
	EXPECT_EQ(zp32(zp, BZ_OFF_E820_TABLE + 2 * 20 + 16), BZ_E820_RAM);
	EXPECT_EQ(zp[BZ_OFF_LOADFLAGS] & BZ_LOADFLAGS_CAN_USE_HEAP, 0);
	free(k);
}
