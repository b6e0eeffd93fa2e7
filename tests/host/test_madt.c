/* MADT entry walking (ACPI 6.5 5.2.12): malformed entries stop the walk, earlier ones stay. */
#include <string.h>

#include "arch/x86/acpi.h"
#include "tests/host/acpi_fixture.h"
#include "tests/host/test.h"

static struct acpi_fixture fix;
static struct acpi_info ai;

#define LAPIC(id) 0, 8, id, id, 1, 0, 0, 0

static int parse_with(const u8 *entries, u32 len)
{
	acpi_fix_build(&fix);
	acpi_fix_madt(&fix, entries, len);
	return acpi_parse(FIX_RSDP, fakemem_map, &fix.mem, &ai);
}

TEST(madt_entry_length_zero)
{
	static const u8 e[] = {LAPIC(0), LAPIC(1), 0, 0, 0, 0, 0, 0, 0, 0, LAPIC(2)};

	EXPECT_EQ(parse_with(e, sizeof(e)), 0);
	EXPECT_ERR(&ai, "MADT entry type 0 at offset 60: length 0, stopping");
	EXPECT_EQ(ai.nr_cpus, 2);
	EXPECT_EQ(ai.cpus[1].apic_id, 1);
	EXPECT_TRUE(ai.has_fadt); /* other tables unaffected */
	acpi_fix_free(&fix);
}

TEST(madt_entry_length_one)
{
	static const u8 e[] = {LAPIC(0), 1, 1, 0, 0};

	EXPECT_EQ(parse_with(e, sizeof(e)), 0);
	EXPECT_ERR(&ai, "MADT entry type 1 at offset 52: length 1, stopping");
	EXPECT_EQ(ai.nr_cpus, 1);
	acpi_fix_free(&fix);
}

/* An entry whose length runs past the end of the table (overlapping what follows it). */
TEST(madt_entry_past_end)
{
	static const u8 e[] = {
		LAPIC(0), 1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0,
		0,	  0, 0,	 0, 8, 1, 1, 1,	   0}; /* last LAPIC cut to 6 of its 8 bytes */

	EXPECT_EQ(parse_with(e, sizeof(e)), 0);
	EXPECT_ERR(&ai, "MADT entry type 0 at offset 64: length 8 runs past table end 70");
	EXPECT_EQ(ai.nr_cpus, 1);
	EXPECT_EQ(ai.nr_ioapics, 1);
	acpi_fix_free(&fix);
}

TEST(madt_entry_truncated)
{
	/* an x2APIC entry that claims 8 bytes: too short for its 16-byte layout */
	static const u8 e[] = {LAPIC(0), 9, 8, 0, 0, 0, 1, 0, 0, LAPIC(1)};
	static const u8 iso[] = {LAPIC(0), 2, 6, 0, 0, 2, 0};
	static const u8 tail[] = {LAPIC(0), 4};

	EXPECT_EQ(parse_with(e, sizeof(e)), 0);
	EXPECT_ERR(&ai, "MADT entry type 9 at offset 52: length 8 < 16, stopping");
	EXPECT_EQ(ai.nr_cpus, 1);
	acpi_fix_free(&fix);

	EXPECT_EQ(parse_with(iso, sizeof(iso)), 0);
	EXPECT_ERR(&ai, "MADT entry type 2 at offset 52: length 6 < 10");
	EXPECT_EQ(ai.nr_isos, 0);
	acpi_fix_free(&fix);

	EXPECT_EQ(parse_with(tail, sizeof(tail)), 0);
	EXPECT_ERR(&ai, "MADT: stray byte at offset 52");
	EXPECT_EQ(ai.nr_cpus, 1);
	acpi_fix_free(&fix);
}

TEST(madt_too_short)
{
	acpi_fix_build(&fix);
	fix_put32(fix.madt + 4, 40);
	acpi_fix_sum(fix.madt);
	EXPECT_EQ(acpi_parse(FIX_RSDP, fakemem_map, &fix.mem, &ai), 0);
	EXPECT_ERR(&ai, "MADT: length 40 too short for its 44-byte fixed part");
	EXPECT_EQ(ai.nr_cpus, 0);
	acpi_fix_free(&fix);
}

TEST(madt_overflow)
{
	static u8 e[8 * 40 + 12 * 10 + 10 * 20 + 6 * 10];
	u32 n = 0;

	for (u32 i = 0; i < 40; i++, n += 8) {
		u8 lapic[] = {LAPIC(i)};

		memcpy(e + n, lapic, 8);
	}
	for (u32 i = 0; i < 10; i++, n += 12) {
		u8 io[] = {1, 12, (u8)i, 0, 0, 0, 0xc0, 0xfe, (u8)(24 * i), 0, 0, 0};

		memcpy(e + n, io, 12);
	}
	for (u32 i = 0; i < 20; i++, n += 10) {
		u8 iso[] = {2, 10, 0, (u8)i, (u8)i, 0, 0, 0, 0, 0};

		memcpy(e + n, iso, 10);
	}
	for (u32 i = 0; i < 10; i++, n += 6) {
		u8 nmi[] = {4, 6, (u8)i, 0, 0, 1};

		memcpy(e + n, nmi, 6);
	}
	EXPECT_EQ(parse_with(e, n), 0);
	EXPECT_EQ(ai.nr_cpus, MAX_CPUS * 2);
	EXPECT_ERR(&ai, "MADT: more than 32 CPUs, APIC id 32 and 7 more ignored");
	EXPECT_EQ(ai.nr_cpus_ignored, 8);
	EXPECT_EQ(ai.nr_errors, 4);
	EXPECT_EQ(ai.nr_ioapics, ACPI_MAX_IOAPICS);
	EXPECT_ERR(&ai, "MADT: more than 8 IOAPICs, id 8 and later ignored");
	EXPECT_EQ(ai.nr_isos, ACPI_MAX_ISOS);
	EXPECT_EQ(ai.isos[15].bus_irq, 15);
	EXPECT_EQ(ai.nr_nmis, ACPI_MAX_NMIS);
	acpi_fix_free(&fix);
}

TEST(madt_lapic_override)
{
	static const u8 e[] = {LAPIC(0), 5, 12, 0, 0,	 0, 0,	  0xd0, 0xfe,
			       0,	 0, 0,	0, 0xff, 4, 0xff, 0xff};

	EXPECT_EQ(parse_with(e, sizeof(e)), 0);
	EXPECT_EQ(ai.lapic_addr, 0xfed00000);
	/* an unknown 4-byte type (0xff) after it is skipped quietly */
	EXPECT_NO_ERR(&ai);
	acpi_fix_free(&fix);
}
