/*
 * arch/x86/acpi_parse.c on q35-like table images (acpi_fixture.c) and on broken ones.  The
 * fake memory hands out exact-size copies, so an over-read is an ASan error.
 */
#include <string.h>

#include "arch/x86/acpi.h"
#include "tests/host/acpi_fixture.h"
#include "tests/host/test.h"

static struct acpi_fixture fix;
static struct acpi_info ai;

static int parse(void)
{
	return acpi_parse(FIX_RSDP, fakemem_map, &fix.mem, &ai);
}

TEST(acpi_valid)
{
	acpi_fix_build(&fix);
	EXPECT_EQ(parse(), 0);
	EXPECT_NO_ERR(&ai);
	EXPECT_EQ(ai.rsdp_rev, 2);
	EXPECT_STREQ(ai.oem, "BOCHS ");
	EXPECT_TRUE(ai.xsdt_used);
	EXPECT_EQ(ai.nr_tables, 4);
	EXPECT_STREQ(ai.tables[1].sig, "APIC");
	EXPECT_EQ(ai.tables[3].addr, FIX_DMAR);

	/* MADT: CPUs 0, 1, 3 (online-capable) and x2APIC 0x100; id 2 unusable, id 1 once */
	EXPECT_EQ(ai.madt_addr, FIX_MADT);
	EXPECT_EQ(ai.lapic_addr, 0xfee00000);
	EXPECT_TRUE(ai.pcat_compat);
	EXPECT_EQ(ai.nr_cpus, 4);
	EXPECT_TRUE(ai.cpus[0].apic_id == 0 && ai.cpus[0].enabled && !ai.cpus[0].x2apic_entry);
	EXPECT_TRUE(ai.cpus[1].apic_id == 1 && ai.cpus[1].uid == 1 && ai.cpus[1].enabled);
	EXPECT_TRUE(ai.cpus[2].apic_id == 3 && !ai.cpus[2].enabled && ai.cpus[2].online_capable);
	EXPECT_TRUE(ai.cpus[3].apic_id == 0x100 && ai.cpus[3].uid == 5 && ai.cpus[3].enabled &&
		    ai.cpus[3].x2apic_entry);
	EXPECT_EQ(ai.nr_ioapics, 1);
	EXPECT_TRUE(ai.ioapics[0].id == 0 && ai.ioapics[0].addr == 0xfec00000 &&
		    ai.ioapics[0].gsi_base == 0);
	EXPECT_EQ(ai.nr_isos, 3);
	EXPECT_TRUE(ai.isos[0].bus_irq == 0 && ai.isos[0].gsi == 2 && ai.isos[0].flags == 0);
	EXPECT_TRUE(ai.isos[2].bus_irq == 9 && ai.isos[2].gsi == 9 && ai.isos[2].flags == 0xd);
	EXPECT_EQ(ai.nr_nmi_srcs, 1);
	EXPECT_EQ(ai.nr_nmis, 2);
	EXPECT_TRUE(ai.nmis[0].uid == ACPI_NMI_ALL_CPUS && ai.nmis[0].lint == 1);
	EXPECT_TRUE(ai.nmis[1].uid == ACPI_NMI_ALL_CPUS && ai.nmis[1].lint == 1);

	/* FADT */
	EXPECT_TRUE(ai.has_fadt);
	EXPECT_EQ(ai.fadt_addr, FIX_FADT);
	EXPECT_EQ(ai.pm1a_cnt, 0x604);
	EXPECT_EQ(ai.pm1b_cnt, 0);
	EXPECT_EQ(ai.pm1a_evt, 0x600);
	EXPECT_EQ(ai.pm_tmr, 0x608);
	EXPECT_TRUE(ai.pm_tmr_32bit);
	EXPECT_EQ(ai.sci_irq, 9);
	EXPECT_EQ(ai.iapc_boot_arch, FADT_BOOT_8042);
	EXPECT_TRUE(ai.reset_supported && ai.reset_reg.space_id == ACPI_GAS_IO &&
		    ai.reset_reg.addr == 0xcf9 && ai.reset_value == 0x0f);

	EXPECT_EQ(ai.hpet_addr, 0xfed00000);
	EXPECT_EQ(ai.dmar_addr, FIX_DMAR);
	EXPECT_EQ(ai.dmar_len, 48 + 66 + 32 + 8);
	acpi_fix_free(&fix);
}

/* Bochs rombios style: revision-0 RSDP, RSDT only, 116-byte revision-1 FADT, PM1a at 0xb004. */
TEST(acpi_rsdt_only_rev1_fadt)
{
	acpi_fix_build(&fix);
	fix.rsdp[15] = 0;
	memset(fix.rsdp + 20, 0, 16);
	acpi_fix_rsdp_sum(fix.rsdp);
	memset(fix.fadt + 116, 0, 276 - 116);
	fix_put32(fix.fadt + FADT_OFF_PM1A_CNT, 0xb004);
	fix_put32(fix.fadt + FADT_OFF_FLAGS, 0);
	acpi_fix_header(fix.fadt, "FACP", 116, 1);
	EXPECT_EQ(parse(), 0);
	EXPECT_NO_ERR(&ai);
	EXPECT_TRUE(!ai.xsdt_used);
	EXPECT_EQ(ai.rsdp_rev, 0);
	EXPECT_EQ(ai.pm1a_cnt, 0xb004);
	EXPECT_TRUE(!ai.reset_supported && !ai.pm_tmr_32bit);
	EXPECT_EQ(ai.nr_cpus, 4);
	acpi_fix_free(&fix);
}

TEST(acpi_legacy_scan)
{
	u8 *bda, *ebda;

	acpi_fix_build(&fix);
	/* no BDA mapped: only the BIOS area is searched */
	EXPECT_EQ(acpi_find_rsdp_legacy(fakemem_map, &fix.mem), FIX_RSDP);

	/* a signature with a bad checksum earlier in the area is passed over */
	memcpy(fix.rsdp - 0x10000, "RSD PTR ", 8);
	EXPECT_EQ(acpi_find_rsdp_legacy(fakemem_map, &fix.mem), FIX_RSDP);

	/* the EBDA copy wins */
	bda = fakemem_add(&fix.mem, 0x400, 0x100);
	ebda = fakemem_add(&fix.mem, 0x9fc00, 0x400);
	fix_put16(bda + 0xe, 0x9fc0);
	memcpy(ebda + 0x3f0 - 16, fix.rsdp, 20); /* last 20-byte slot that fits in the KiB */
	EXPECT_EQ(acpi_find_rsdp_legacy(fakemem_map, &fix.mem), 0x9fc00 + 0x3e0);

	/* an RSDP whose 20 bytes would cross the end of the EBDA KiB is not taken */
	memset(ebda, 0, 0x400);
	memcpy(ebda + 0x3f0, fix.rsdp, 16);
	EXPECT_EQ(acpi_find_rsdp_legacy(fakemem_map, &fix.mem), FIX_RSDP);

	/* nothing anywhere */
	memset(fix.rsdp, 0, 36);
	EXPECT_EQ(acpi_find_rsdp_legacy(fakemem_map, &fix.mem), 0);
	acpi_fix_free(&fix);
}

TEST(acpi_rsdp_bad)
{
	acpi_fix_build(&fix);
	fix.rsdp[8]++;
	EXPECT_TRUE(parse() < 0);
	EXPECT_ERR(&ai, "RSDP at 0xf5a40: checksum bad");

	EXPECT_TRUE(acpi_parse(0x12345000, fakemem_map, &fix.mem, &ai) < 0);
	EXPECT_ERR(&ai, "RSDP at 0x12345000 not readable");
	EXPECT_TRUE(acpi_parse(0, fakemem_map, &fix.mem, &ai) < 0);
	EXPECT_ERR(&ai, "not readable");
	EXPECT_TRUE(acpi_parse(FIX_RSDP + 16, fakemem_map, &fix.mem, &ai) < 0);
	EXPECT_ERR(&ai, "no 'RSD PTR ' signature");
	acpi_fix_free(&fix);
}

/* Extended checksum wrong: the 2.0 fields are not trusted, the RSDT still works. */
TEST(acpi_rsdp_ext_checksum)
{
	acpi_fix_build(&fix);
	fix.rsdp[32]++;
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "extended checksum bad, XSDT not trusted");
	EXPECT_TRUE(!ai.xsdt_used);
	EXPECT_EQ(ai.nr_cpus, 4);

	fix.rsdp[32]--;
	fix_put32(fix.rsdp + 20, 0x7fffffff); /* absurd RSDP length */
	acpi_fix_rsdp_sum(fix.rsdp);
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "length 2147483647 invalid");
	EXPECT_TRUE(!ai.xsdt_used && ai.has_fadt);
	acpi_fix_free(&fix);
}

TEST(acpi_xsdt_bad_falls_back)
{
	acpi_fix_build(&fix);
	fix.xsdt[20] ^= 0x55;
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "XSDT at 0x1ffe0100: checksum bad");
	EXPECT_ERR(&ai, "falling back to the RSDT at 0x1ffe0000");
	EXPECT_TRUE(!ai.xsdt_used);
	EXPECT_EQ(ai.nr_tables, 4);

	/* XSDT pointer to something that is not an XSDT */
	acpi_fix_sum(fix.xsdt);
	fix_put64(fix.rsdp + 24, FIX_MADT);
	acpi_fix_rsdp_sum(fix.rsdp);
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "signature 'APIC', expected 'XSDT'");
	EXPECT_EQ(ai.nr_cpus, 4);

	/* and both roots broken: fatal */
	fix.rsdt[0] = 'X';
	EXPECT_TRUE(parse() < 0);
	EXPECT_ERR(&ai, "signature 'XSDT', expected 'RSDT'");
	acpi_fix_free(&fix);
}

/* A table with a bad checksum is skipped; the others are still used. */
TEST(acpi_table_bad_checksum)
{
	acpi_fix_build(&fix);
	fix.madt[MADT_ENTRIES + 3] = 7; /* change an APIC id without fixing the sum */
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "APIC at 0x1ffe0400: checksum bad");
	EXPECT_EQ(ai.madt_addr, 0);
	EXPECT_EQ(ai.nr_cpus, 0);
	EXPECT_EQ(ai.nr_tables, 3);
	EXPECT_TRUE(ai.has_fadt && ai.hpet_addr && ai.dmar_addr);
	acpi_fix_free(&fix);
}

TEST(acpi_table_bad_length)
{
	acpi_fix_build(&fix);
	fix_put32(fix.fadt + 4, 20); /* smaller than the header */
	fix_put32(fix.hpet + 4, 0x10000000);
	fix_put32(fix.dmar + 4, 0x3800); /* runs past the mapped region */
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "FACP at 0x1ffe0200: length 20 smaller than its 36-byte header");
	EXPECT_ERR(&ai, "HPET at 0x1ffe0800: length 0x10000000 implausible");
	EXPECT_ERR(&ai, "DMAR at 0x1ffe0900: 14336 bytes not readable");
	EXPECT_TRUE(!ai.has_fadt && !ai.hpet_addr && !ai.dmar_addr);
	EXPECT_EQ(ai.nr_cpus, 4);
	acpi_fix_free(&fix);
}

/* Root entries that point nowhere, at 0, or leave a ragged tail. */
TEST(acpi_root_entries_bad)
{
	acpi_fix_build(&fix);
	fix_put64(fix.xsdt + 36, 0x7fff0000); /* FADT entry -> unmapped memory */
	fix_put64(fix.xsdt + 36 + 16, 0);     /* HPET entry -> 0 */
	fix_put32(fix.xsdt + 4, 36 + 8 * 4 + 5);
	acpi_fix_sum(fix.xsdt);
	EXPECT_EQ(parse(), 0);
	EXPECT_ERR(&ai, "table at 0x7fff0000: header not readable, skipped");
	EXPECT_ERR(&ai, "XSDT entry 2 is 0, skipped");
	EXPECT_ERR(&ai, "XSDT: length 73 is not 36 + n*8, trailing bytes ignored");
	EXPECT_TRUE(!ai.has_fadt && !ai.hpet_addr);
	EXPECT_EQ(ai.nr_cpus, 4);
	EXPECT_EQ(ai.dmar_addr, FIX_DMAR);

	/* RSDT pointing outside mapped memory */
	fix_put32(fix.rsdp + 16, 0x40000000);
	fix_put64(fix.rsdp + 24, 0);
	acpi_fix_rsdp_sum(fix.rsdp);
	EXPECT_TRUE(parse() < 0);
	EXPECT_ERR(&ai, "table at 0x40000000: header not readable");
	acpi_fix_free(&fix);
}

/* More problems than message slots: the count of dropped ones still says so. */
TEST(acpi_error_overflow)
{
	acpi_fix_build(&fix);
	memset(fix.rsdt + 36, 0, 4 * 4);
	fix_put32(fix.rsdt + 4, 36 + 12 * 4);
	acpi_fix_sum(fix.rsdt);
	fix_put64(fix.rsdp + 24, 0);
	acpi_fix_rsdp_sum(fix.rsdp);
	EXPECT_EQ(parse(), 0);
	EXPECT_EQ(ai.nr_errors, ACPI_MAX_ERRORS);
	EXPECT_EQ(ai.errors_dropped, 12 - ACPI_MAX_ERRORS);
	EXPECT_ERR(&ai, "RSDT entry 7 is 0");
	acpi_fix_free(&fix);
}

TEST(acpi_map_identity)
{
	EXPECT_TRUE(acpi_map_identity(0, 4, NULL) == NULL);
	EXPECT_TRUE(acpi_map_identity(0xfffffffc, 8, NULL) == NULL);
	EXPECT_TRUE(acpi_map_identity(0x100000000ull, 1, NULL) == NULL);
	EXPECT_TRUE(acpi_map_identity(~0ull, 2, NULL) == NULL);
	EXPECT_EQ((uintptr_t)acpi_map_identity(0xe0000, 0x20000, NULL), 0xe0000);
}
