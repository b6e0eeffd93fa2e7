/*
 * bzImage planning and the zero page (vmboot/bzimage.h).  Field meanings and the version each
 * appeared in are those of the Linux x86 boot protocol; every read is bounds-checked against
 * the file first.
 */
#include "vmboot/bzimage.h"
#include "lib/le.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define BZ_PAGE		 4096ull
#define BZ_SECTOR	 512u
#define BZ_BOOT_FLAG	 0xaa55u
#define BZ_HDRS_MAGIC	 0x53726448u /* "HdrS" */
#define BZ_XLF_KERNEL_64 0x1	     /* xloadflags: has the 64-bit entry (we use the 32-bit one) */

static int refuse(char *err, const char *fmt, u64 a, u64 b)
{
	fmt_snprintf(err, BZ_ERR_LEN, fmt, a, b);
	return -1;
}

bool bz_detect(const u8 *img, u64 size)
{
	return size >= BZ_HEADER_END && le_ld16(img + BZ_OFF_BOOT_FLAG) == BZ_BOOT_FLAG &&
	       le_ld32(img + BZ_OFF_HEADER) == BZ_HDRS_MAGIC;
}

int bz_plan(const u8 *img, u64 size, u64 mem_size, struct bz_plan *p, char *err)
{
	u32 sects;
	u64 need;

	memset(p, 0, sizeof(*p));
	if (!bz_detect(img, size))
		return refuse(err, "not a bzImage (no 0xaa55 boot flag and \"HdrS\" header)", 0, 0);
	p->version = (u16)le_ld16(img + BZ_OFF_VERSION);
	if (p->version < BZ_MIN_VERSION)
		return refuse(err, "boot protocol %#lx is older than 2.12 (need init_size)",
			      p->version, 0);
	if (!(img[BZ_OFF_LOADFLAGS] & BZ_LOADFLAGS_LOADED_HIGH))
		return refuse(err, "a zImage (kernel below 1 MiB) is not supported", 0, 0);
	/* setup_sects 0 means 4, for historical reasons */
	sects = img[BZ_OFF_SETUP_SECTS] ? img[BZ_OFF_SETUP_SECTS] : 4;
	p->setup_size = (sects + 1) * BZ_SECTOR;
	if (p->setup_size >= size)
		return refuse(err, "setup of %lu bytes leaves no kernel in a %lu-byte file",
			      p->setup_size, size);
	p->kernel_off = p->setup_size;
	p->kernel_size = size - p->setup_size;
	p->init_size = le_ld32(img + BZ_OFF_INIT_SIZE);
	p->pref_address = le_ld64(img + BZ_OFF_PREF_ADDRESS);
	p->relocatable = img[BZ_OFF_RELOCATABLE] != 0;
	p->cmdline_max = le_ld32(img + BZ_OFF_CMDLINE_SIZE);
	if (p->cmdline_max == 0 || p->cmdline_max > BZ_CMDLINE_MAX - 1)
		p->cmdline_max = BZ_CMDLINE_MAX - 1;
	p->initrd_max = le_ld32(img + BZ_OFF_INITRD_MAX);
	if (!p->relocatable && p->pref_address != BZ_LOAD && p->pref_address < BZ_LOAD)
		return refuse(err, "a non-relocatable kernel wants %#lx, below 1 MiB",
			      p->pref_address, 0);
	if (p->init_size < p->kernel_size)
		return refuse(err, "init_size %#lx is smaller than the kernel (%#lx bytes)",
			      p->init_size, p->kernel_size);
	/*
	 * Memory the kernel needs: the image at BZ_LOAD, and init_size from the address it
	 * decompresses to (its preferred one, never below BZ_LOAD).
	 */
	need = (p->pref_address > BZ_LOAD ? p->pref_address : BZ_LOAD) + p->init_size;
	if (need < p->init_size || need > mem_size || BZ_LOAD + p->kernel_size > mem_size)
		return refuse(err, "the kernel needs %lu MiB of guest memory, the VM has %lu MiB",
			      (need + (1ull << 20) - 1) >> 20, mem_size >> 20);
	return 0;
}

int bz_place_initrd(const struct bz_plan *p, u64 mem_size, u64 size, u64 *gpa, char *err)
{
	u64 top = mem_size, floor;

	if (p->initrd_max && p->initrd_max + 1 < top)
		top = p->initrd_max + 1;
	floor = (p->pref_address > BZ_LOAD ? p->pref_address : BZ_LOAD) + p->init_size;
	if (size > top || ((top - size) & ~(BZ_PAGE - 1)) < floor)
		return refuse(err,
			      "an initrd of %lu KiB does not fit above the kernel (%lu MiB VM)",
			      (size + 1023) >> 10, mem_size >> 20);
	*gpa = (top - size) & ~(BZ_PAGE - 1);
	return 0;
}

u32 bz_e820_map(u64 mem_size, struct bz_e820 *map, u32 max)
{
	struct bz_e820 m[] = {
		{0, BZ_LOW_RAM_END, BZ_E820_RAM},
		/* the MP table lives here; then the VGA hole and BIOS area a PC has */
		{BZ_LOW_RAM_END, BZ_LOAD - BZ_LOW_RAM_END, BZ_E820_RESERVED},
		{BZ_LOAD, mem_size - BZ_LOAD, BZ_E820_RAM},
	};
	u32 n = 0;

	for (u32 i = 0; i < sizeof(m) / sizeof(m[0]) && n < max; i++)
		map[n++] = m[i];
	return n;
}

void bz_zero_page(u8 *zp, const u8 *img, u64 cmdline_gpa, u64 initrd_gpa, u64 initrd_size,
		  const struct bz_e820 *map, u32 nr_map)
{
	u32 n = nr_map < BZ_E820_MAX ? nr_map : BZ_E820_MAX;

	memset(zp, 0, BZ_PAGE);
	/* The setup header: from setup_sects to the end of the fields of version 2.12. */
	memcpy(zp + BZ_OFF_SETUP_SECTS, img + BZ_OFF_SETUP_SECTS,
	       BZ_HEADER_END - BZ_OFF_SETUP_SECTS);
	zp[BZ_OFF_TYPE_OF_LOADER] = BZ_LOADER_UNDEFINED;
	/* No real-mode setup runs: no heap, and the segments we give are flat already. */
	zp[BZ_OFF_LOADFLAGS] =
		(u8)((zp[BZ_OFF_LOADFLAGS] | BZ_LOADFLAGS_KEEP_SEGS) & ~BZ_LOADFLAGS_CAN_USE_HEAP);
	le_st32(zp + BZ_OFF_CODE32_START, BZ_LOAD);
	le_st32(zp + BZ_OFF_CMD_LINE_PTR, (u32)cmdline_gpa);
	le_st32(zp + BZ_OFF_EXT_CMD_LINE_PTR, (u32)(cmdline_gpa >> 32));
	le_st32(zp + BZ_OFF_RAMDISK_IMAGE, (u32)initrd_gpa);
	le_st32(zp + BZ_OFF_EXT_RAMDISK_IMAGE, (u32)(initrd_gpa >> 32));
	le_st32(zp + BZ_OFF_RAMDISK_SIZE, (u32)initrd_size);
	le_st32(zp + BZ_OFF_EXT_RAMDISK_SIZE, (u32)(initrd_size >> 32));
	zp[BZ_OFF_E820_ENTRIES] = (u8)n;
	for (u32 i = 0; i < n; i++) {
		u8 *e = zp + BZ_OFF_E820_TABLE + 20 * i;

		le_st64(e, map[i].addr);
		le_st64(e + 8, map[i].size);
		le_st32(e + 16, map[i].type);
	}
}
