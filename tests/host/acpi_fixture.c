/* ACPI table images for the parser tests (see acpi_fixture.h). */
#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/dmar.h"
#include "tests/host/acpi_fixture.h"

void fix_put16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

void fix_put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

void fix_put64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

void acpi_fix_sum(u8 *t)
{
	u32 len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = (u8)-acpi_checksum(t, len);
}

void acpi_fix_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	fix_put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "BOCHS ", 6);
	memcpy(t + 16, "BXPC    ", 8);
	fix_put32(t + 24, 1);
	memcpy(t + 28, "BXPC", 4);
	fix_put32(t + 32, 1);
	acpi_fix_sum(t);
}

void acpi_fix_rsdp_sum(u8 *r)
{
	r[8] = 0;
	r[8] = (u8)-acpi_checksum(r, 20);
	r[32] = 0;
	r[32] = (u8)-acpi_checksum(r, 36);
}

/*
 * q35 MADT as QEMU builds it, plus the entry kinds QEMU leaves out: 4 LAPICs (one disabled,
 * one only online-capable), x2APIC CPUs, an IOAPIC, ISA overrides, NMI entries, an unknown type.
 */
static const u8 madt_entries[] = {
	0,    8,  0,	0, 1,	 0,    0,    0, /* LAPIC uid 0 id 0 enabled */
	0,    8,  1,	1, 1,	 0,    0,    0, /* LAPIC uid 1 id 1 enabled */
	0,    8,  2,	2, 0,	 0,    0,    0, /* LAPIC uid 2 id 2 unusable */
	0,    8,  3,	3, 2,	 0,    0,    0, /* LAPIC uid 3 id 3 online-capable */
	1,    12, 0,	0, 0,	 0,    0xc0, 0xfe, 0,	 0, 0, 0, /* IOAPIC 0 @fec00000 gsi 0 */
	2,    10, 0,	0, 2,	 0,    0,    0,	   0,	 0,	  /* ISO irq 0 -> gsi 2 */
	2,    10, 0,	5, 5,	 0,    0,    0,	   0x0d, 0,	  /* ISO irq 5 level high */
	2,    10, 0,	9, 9,	 0,    0,    0,	   0x0d, 0,	  /* ISO irq 9 level high */
	3,    8,  0,	0, 23,	 0,    0,    0,			  /* NMI source gsi 23 */
	4,    6,  0xff, 0, 0,	 1,				  /* LAPIC NMI all CPUs LINT1 */
	9,    16, 0,	0, 0,	 1,    0,    0,	   1,	 0, 0, 0,
	5,    0,  0,	0, /* x2APIC id 0x100 uid 5 */
	9,    16, 0,	0, 1,	 0,    0,    0,	   1,	 0, 0, 0,
	1,    0,  0,	0,					  /* x2APIC id 1: duplicate */
	10,   12, 0,	0, 0xff, 0xff, 0xff, 0xff, 1,	 0, 0, 0, /* x2APIC NMI all LINT1 */
	0x7f, 4,  0,	0,					  /* unknown type: skipped */
};

/* VT-d 8.3 DRHD with QEMU's scopes: IOAPIC 0 at ff:00.0, then PCI devices, one behind a bridge. */
u32 acpi_fix_dmar(u8 *t)
{
	static const u8 drhd[] = {
		0, 0,  0, 0, 0, 0,    0,    0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0, /* base fed90000 */
		3, 8,  0, 0, 0, 0xff, 0,    0,				     /* IOAPIC 0: ff:00.0 */
		1, 8,  0, 0, 0, 0,    0,    0,				     /* 00:00.0 */
		1, 8,  0, 0, 0, 0,    1,    0,				     /* 00:01.0 */
		1, 8,  0, 0, 0, 0,    0x1f, 0,				     /* 00:1f.0 */
		1, 8,  0, 0, 0, 0,    0x1f, 3,				     /* 00:1f.3 */
		2, 10, 0, 0, 0, 0,    0x1c, 0, 0, 0,			     /* behind 00:1c.0 */
	};
	static const u8 rmrr[] = {
		1,    0,    32,	 0, 0, 0, 0,	0, 0, 0, 0xe, 0, 0, 0, 0, 0, /* seg 0, base e0000 */
		0xff, 0xff, 0xf, 0, 0, 0, 0,	0,			     /* limit fffff */
		1,    8,    0,	 0, 0, 0, 0x14, 0,			     /* 00:14.0 */
	};
	static const u8 atsr[] = {2, 0, 8, 0, 0, 0, 0, 0};
	u32 off = DMAR_HDR_LEN;

	memset(t, 0, 256);
	memcpy(t + off, drhd, sizeof(drhd));
	fix_put16(t + off + 2, sizeof(drhd));
	off += sizeof(drhd);
	memcpy(t + off, rmrr, sizeof(rmrr));
	off += sizeof(rmrr);
	memcpy(t + off, atsr, sizeof(atsr));
	off += sizeof(atsr);
	t[DMAR_OFF_HAW] = 47; /* 48-bit host addresses */
	t[DMAR_OFF_FLAGS] = DMAR_FLAG_INTR_REMAP;
	acpi_fix_header(t, "DMAR", off, 1);
	return off;
}

void acpi_fix_madt(struct acpi_fixture *f, const u8 *entries, u32 len)
{
	memset(f->madt + MADT_ENTRIES, 0, 0x400 - MADT_ENTRIES);
	memcpy(f->madt + MADT_ENTRIES, entries, len);
	fix_put32(f->madt + 4, MADT_ENTRIES + len);
	acpi_fix_sum(f->madt);
}

void acpi_fix_build(struct acpi_fixture *f)
{
	static const u64 tables[] = {FIX_FADT, FIX_MADT, FIX_HPET, FIX_DMAR};
	u8 *bios, *base;

	fakemem_init(&f->mem);
	bios = fakemem_add(&f->mem, 0xe0000, 0x20000);
	base = fakemem_add(&f->mem, FIX_TABLES, FIX_TABLES_LEN);
	f->rsdp = bios + (FIX_RSDP - 0xe0000);
	f->rsdt = base + (FIX_RSDT - FIX_TABLES);
	f->xsdt = base + (FIX_XSDT - FIX_TABLES);
	f->fadt = base + (FIX_FADT - FIX_TABLES);
	f->madt = base + (FIX_MADT - FIX_TABLES);
	f->hpet = base + (FIX_HPET - FIX_TABLES);
	f->dmar = base + (FIX_DMAR - FIX_TABLES);

	/* 5.2.5.3 RSDP revision 2 */
	memcpy(f->rsdp, "RSD PTR ", 8);
	memcpy(f->rsdp + 9, "BOCHS ", 6);
	f->rsdp[15] = 2;
	fix_put32(f->rsdp + 16, (u32)FIX_RSDT);
	fix_put32(f->rsdp + 20, 36);
	fix_put64(f->rsdp + 24, FIX_XSDT);
	acpi_fix_rsdp_sum(f->rsdp);

	for (unsigned int i = 0; i < 4; i++) {
		fix_put32(f->rsdt + 36 + 4 * i, (u32)tables[i]);
		fix_put64(f->xsdt + 36 + 8 * i, tables[i]);
	}
	acpi_fix_header(f->rsdt, "RSDT", 36 + 4 * 4, 1);
	acpi_fix_header(f->xsdt, "XSDT", 36 + 8 * 4, 1);

	/* 5.2.9 FADT revision 6, 276 bytes: PM blocks at 0x600 like q35's ICH9 */
	fix_put16(f->fadt + FADT_OFF_SCI_INT, 9);
	fix_put32(f->fadt + FADT_OFF_SMI_CMD, 0xb2);
	fix_put32(f->fadt + FADT_OFF_PM1A_EVT, 0x600);
	fix_put32(f->fadt + FADT_OFF_PM1A_CNT, 0x604);
	fix_put32(f->fadt + FADT_OFF_PM_TMR, 0x608);
	fix_put16(f->fadt + FADT_OFF_IAPC_BOOT_ARCH, FADT_BOOT_8042);
	fix_put32(f->fadt + FADT_OFF_FLAGS, FADT_FLAG_TMR_VAL_EXT | FADT_FLAG_RESET_REG_SUP);
	f->fadt[FADT_OFF_RESET_REG] = ACPI_GAS_IO;
	f->fadt[FADT_OFF_RESET_REG + 1] = 8;
	fix_put64(f->fadt + FADT_OFF_RESET_REG + 4, 0xcf9);
	f->fadt[FADT_OFF_RESET_VALUE] = 0x0f;
	f->fadt[FADT_OFF_X_PM1A_CNT] = ACPI_GAS_IO;
	f->fadt[FADT_OFF_X_PM1A_CNT + 1] = 16;
	fix_put64(f->fadt + FADT_OFF_X_PM1A_CNT + 4, 0x604);
	f->fadt[FADT_OFF_X_PM_TMR] = ACPI_GAS_IO;
	f->fadt[FADT_OFF_X_PM_TMR + 1] = 32;
	fix_put64(f->fadt + FADT_OFF_X_PM_TMR + 4, 0x608);
	acpi_fix_header(f->fadt, "FACP", 276, 6);

	/* 5.2.12 MADT */
	fix_put32(f->madt + MADT_OFF_LAPIC_ADDR, 0xfee00000);
	fix_put32(f->madt + MADT_OFF_FLAGS, MADT_FLAG_PCAT_COMPAT);
	acpi_fix_header(f->madt, "APIC", MADT_ENTRIES, 3);
	acpi_fix_madt(f, madt_entries, sizeof(madt_entries));

	/* IA-PC HPET 3.2.4 */
	fix_put32(f->hpet + HPET_OFF_BLOCK_ID, 0x8086a201);
	f->hpet[HPET_OFF_BASE] = ACPI_GAS_MEMORY;
	fix_put64(f->hpet + HPET_OFF_BASE + 4, 0xfed00000);
	acpi_fix_header(f->hpet, "HPET", HPET_TABLE_LEN, 1);

	acpi_fix_dmar(f->dmar);
}

void acpi_fix_free(struct acpi_fixture *f)
{
	fakemem_free(&f->mem);
}
