/*
 * ACPI table images for the parser tests, laid out in fake physical memory like QEMU q35 with
 * intel-iommu (docs/emulators.md §6.1): RSDP in the BIOS area, RSDT + XSDT, FACP, APIC, HPET
 * and DMAR.  Tests corrupt a copy and call acpi_fix_sum() (or not) before parsing.
 */
#ifndef TESTS_HOST_ACPI_FIXTURE_H
#define TESTS_HOST_ACPI_FIXTURE_H

#include "tests/host/fakemem.h"

#define FIX_RSDP       0xf5a40ull    /* RSDP in the 0xE0000-0xFFFFF scan area */
#define FIX_TABLES     0x1ffe0000ull /* where the tables live */
#define FIX_RSDT       (FIX_TABLES + 0x000)
#define FIX_XSDT       (FIX_TABLES + 0x100)
#define FIX_FADT       (FIX_TABLES + 0x200)
#define FIX_MADT       (FIX_TABLES + 0x400)
#define FIX_HPET       (FIX_TABLES + 0x800)
#define FIX_DMAR       (FIX_TABLES + 0x900)
#define FIX_SPARE      (FIX_TABLES + 0x2000) /* free room for extra tables */
#define FIX_TABLES_LEN 0x4000

struct acpi_fixture {
	struct fakemem mem;
	u8 *rsdp, *rsdt, *xsdt, *fadt, *madt, *hpet, *dmar;
};

/* Build the whole q35-like set (RSDP revision 2 with both RSDT and XSDT). */
void acpi_fix_build(struct acpi_fixture *f);
void acpi_fix_free(struct acpi_fixture *f);

/* Fill a 5.2.6 header (length, revision, OEM ids) and set the checksum. */
void acpi_fix_header(u8 *t, const char *sig, u32 len, u8 rev);
/* Recompute the checksum of the table at t from its length field. */
void acpi_fix_sum(u8 *t);
/* Recompute both RSDP checksums. */
void acpi_fix_rsdp_sum(u8 *rsdp);
/* Replace the MADT entries (after the 44-byte fixed part) and fix length + checksum. */
void acpi_fix_madt(struct acpi_fixture *f, const u8 *entries, u32 len);
/* Build the q35 DMAR image into t; returns its length. */
u32 acpi_fix_dmar(u8 *t);

void fix_put16(u8 *p, u16 v);
void fix_put32(u8 *p, u32 v);
void fix_put64(u8 *p, u64 v);

#endif
