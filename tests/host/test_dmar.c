/* arch/x86/dmar_parse.c (VT-d spec chapter 8) on a q35-like DMAR and on broken ones. */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/dmar.h"
#include "tests/host/acpi_fixture.h"
#include "tests/host/test.h"

static u8 img[512];
static struct dmar_info di;

/* Parse an exact-size heap copy so that reading past len is an ASan error. */
static int parse_len(u32 len)
{
	u8 *copy = malloc(len);
	int r;

	memcpy(copy, img, len);
	r = dmar_parse(copy, len, &di);
	free(copy);
	return r;
}

static u32 img_len(void)
{
	u32 l;

	memcpy(&l, img + 4, 4);
	return l;
}

TEST(dmar_q35)
{
	struct dmar_unit *u;

	acpi_fix_dmar(img);
	EXPECT_EQ(parse_len(img_len()), 0);
	EXPECT_NO_ERR(&di);
	EXPECT_EQ(di.haw, 48);
	EXPECT_EQ(di.flags, DMAR_FLAG_INTR_REMAP);
	EXPECT_EQ(di.nr_units, 1);
	u = &di.units[0];
	EXPECT_EQ(u->base, 0xfed90000);
	EXPECT_EQ(u->flags, 0);
	EXPECT_EQ(u->segment, 0);
	EXPECT_EQ(u->nr_scopes, 6);
	EXPECT_TRUE(u->scopes[0].type == DMAR_SCOPE_IOAPIC && u->scopes[0].enum_id == 0 &&
		    u->scopes[0].bus == 0xff && u->scopes[0].dev == 0 && u->scopes[0].fn == 0);
	EXPECT_EQ(u->scopes[0].sid, 0xff00);
	EXPECT_EQ(u->scopes[4].sid, 0x00fb); /* 00:1f.3 */
	EXPECT_TRUE(u->scopes[5].type == DMAR_SCOPE_PCI_SUBHIERARCHY &&
		    u->scopes[5].path_len == 2 && u->scopes[5].path[0][0] == 0x1c &&
		    u->scopes[5].dev == 0 && u->scopes[5].sid == 0);
	EXPECT_EQ(di.nr_rmrr, 1);
	EXPECT_EQ(di.nr_atsr, 1);
}

/* Reached the way the kernel does it: acpi_parse() locates it, dmar_parse() decodes it. */
TEST(dmar_via_acpi)
{
	static struct acpi_fixture fix;
	static struct acpi_info ai;
	const void *t;

	acpi_fix_build(&fix);
	EXPECT_EQ(acpi_parse(FIX_RSDP, fakemem_map, &fix.mem, &ai), 0);
	t = fakemem_map(ai.dmar_addr, ai.dmar_len, &fix.mem);
	EXPECT_TRUE(t != NULL);
	EXPECT_EQ(dmar_parse(t, ai.dmar_len, &di), 0);
	EXPECT_EQ(di.units[0].scopes[0].sid, 0xff00);
	acpi_fix_free(&fix);
}

TEST(dmar_header_bad)
{
	acpi_fix_dmar(img);
	EXPECT_TRUE(dmar_parse(NULL, 100, &di) < 0);
	EXPECT_ERR(&di, "need at least 48");
	EXPECT_TRUE(parse_len(40) < 0);
	EXPECT_ERR(&di, "DMAR: 40 bytes given, need at least 48");
	img[39] ^= 1;
	EXPECT_TRUE(parse_len(img_len()) < 0);
	EXPECT_ERR(&di, "DMAR: checksum bad");
	EXPECT_TRUE(parse_len(img_len() - 8) < 0);
	EXPECT_ERR(&di, "DMAR: length field 154 outside [48, 146]");
	fix_put32(img + 4, 20);
	acpi_fix_sum(img);
	EXPECT_TRUE(parse_len(154) < 0);
	EXPECT_ERR(&di, "length field 20 outside");
	memcpy(img, "DMAX", 4);
	EXPECT_TRUE(parse_len(154) < 0);
	EXPECT_ERR(&di, "wrong signature");
}

/* Structure length 0 after a good DRHD: must stop (not loop), the unit is kept. */
TEST(dmar_struct_length_zero)
{
	u32 l;

	acpi_fix_dmar(img);
	l = img_len();
	memset(img + 114, 0, 8); /* the RMRR gets length 0 */
	fix_put16(img + 114, 1);
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(l), 0);
	EXPECT_ERR(&di, "DMAR structure type 1 at +114: length 0 < 24, stopping");
	EXPECT_EQ(di.nr_units, 1);
	EXPECT_EQ(di.units[0].nr_scopes, 6);
	EXPECT_EQ(di.nr_rmrr, 0);
}

TEST(dmar_struct_past_end)
{
	acpi_fix_dmar(img);
	fix_put16(img + 146 + 2, 16); /* the ATSR claims 16 bytes, 8 remain */
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(img_len()), 0);
	EXPECT_ERR(&di, "DMAR structure type 2 at +146: length 16 runs past table end 154");
	EXPECT_EQ(di.nr_units, 1);
	EXPECT_EQ(di.nr_rmrr, 1);
	EXPECT_EQ(di.nr_atsr, 0);

	/* a DRHD shorter than its 16-byte fixed part */
	acpi_fix_dmar(img);
	fix_put16(img + 48 + 2, 12);
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(img_len()), 0);
	EXPECT_ERR(&di, "DMAR structure type 0 at +48: length 12 < 16");
	EXPECT_EQ(di.nr_units, 0);

	/* 2 stray bytes at the end */
	acpi_fix_dmar(img);
	fix_put32(img + 4, 156);
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(156), 0);
	EXPECT_ERR(&di, "DMAR: 2 stray bytes at offset 154");
	EXPECT_EQ(di.nr_atsr, 1);
}

TEST(dmar_scope_bad)
{
	/* third scope (00:00.0 at DRHD offset 32) gets length 0: the first two are kept */
	acpi_fix_dmar(img);
	img[48 + 32 + 1] = 0;
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(img_len()), 0);
	EXPECT_ERR(&di, "DRHD at +48: device scope at +32 has bad length 0, stopping");
	EXPECT_EQ(di.units[0].nr_scopes, 2);
	EXPECT_EQ(di.nr_rmrr, 1); /* the next structure is still parsed */

	acpi_fix_dmar(img);
	img[48 + 32 + 1] = 9; /* odd: half a path entry */
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(img_len()), 0);
	EXPECT_ERR(&di, "has bad length 9");

	/* the last scope (10 bytes at +56) claims 12: past the end of its DRHD */
	acpi_fix_dmar(img);
	img[48 + 56 + 1] = 12;
	acpi_fix_sum(img);
	EXPECT_EQ(parse_len(img_len()), 0);
	EXPECT_ERR(&di, "device scope at +56 (length 12) runs past the DRHD (length 66)");
	EXPECT_EQ(di.units[0].nr_scopes, 5);
}

TEST(dmar_overflow)
{
	u32 off = DMAR_HDR_LEN;

	memset(img, 0, sizeof(img));
	for (u32 unit = 0; unit < 5; unit++) {
		u32 n = unit == 0 ? 20 : 1, len = 16 + 8 * n;

		fix_put16(img + off, DMAR_TYPE_DRHD);
		fix_put16(img + off + 2, (u16)len);
		fix_put64(img + off + 8, 0xfed90000 + unit * 0x1000);
		for (u32 i = 0; i < n; i++) {
			u8 *s = img + off + 16 + 8 * i;

			s[0] = DMAR_SCOPE_PCI_ENDPOINT;
			s[1] = 8;
			s[6] = (u8)i;
		}
		off += len;
	}
	img[DMAR_OFF_HAW] = 38;
	acpi_fix_header(img, "DMAR", off, 1);
	EXPECT_EQ(parse_len(off), 0);
	EXPECT_EQ(di.haw, 39);
	EXPECT_EQ(di.nr_units, DMAR_MAX_UNITS);
	EXPECT_EQ(di.units[0].nr_scopes, DMAR_MAX_SCOPES);
	EXPECT_EQ(di.units[0].scopes[15].dev, 15);
	EXPECT_ERR(&di, "DRHD 0xfed90000: more than 16 device scopes, rest ignored");
	EXPECT_ERR(&di, "DMAR: more than 4 DRHD units, unit at 0xfed94000 ignored");
	EXPECT_EQ(di.units[3].base, 0xfed93000);
}
