/*
 * arch/x86/acpi_parse.c (with madt_parse.c and, on the DMAR it finds, dmar_parse.c): the whole
 * walk from the RSDP.  The input is physical memory at FUZZ_ACPI_BASE, the RSDP at its start;
 * table pointers that land inside it reach the input's own bytes.  fakemem hands out exact-size
 * copies of each mapped range, so reading past what was mapped is an ASan report.
 *
 * Checksums would stop the fuzzer at the first table, so before the walk the harness makes the
 * RSDP, the root tables and every table they point at (inside the input) sum to zero.  The
 * checksum checks themselves are covered by tests/host/test_acpi.c.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/dmar.h"
#include "tests/fuzz/fuzz.h"
#include "tests/host/fakemem.h"

#define FUZZ_ACPI_BASE 0x10000ull

static u8 sum(const u8 *p, u64 n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Make the len bytes at p sum to zero by setting the byte at p + at. */
static void fix(u8 *p, u64 len, u64 at)
{
	p[at] = 0;
	p[at] = (u8)-sum(p, len);
}

/* The table at physical pa, if its header and length lie inside the input: its length, else 0. */
static u64 table_len(const u8 *mem, u64 size, u64 pa)
{
	u64 off = pa - FUZZ_ACPI_BASE, len;

	if (pa < FUZZ_ACPI_BASE || off >= size || size - off < ACPI_HDR_LEN)
		return 0;
	len = fuzz_ld32(mem + off + ACPI_HDR_OFF_LENGTH);
	return len >= ACPI_HDR_LEN && len <= size - off ? len : 0;
}

static void fix_table(u8 *mem, u64 size, u64 pa)
{
	u64 len = table_len(mem, size, pa);

	if (len)
		fix(mem + (pa - FUZZ_ACPI_BASE), len, 9); /* 5.2.6: checksum at offset 9 */
}

static void fix_root(u8 *mem, u64 size, u64 pa, u32 esize)
{
	u64 len = table_len(mem, size, pa);
	const u8 *root;

	if (!len)
		return;
	root = mem + (pa - FUZZ_ACPI_BASE); /* only now known to be inside the input */
	for (u64 off = ACPI_HDR_LEN; off + esize <= len; off += esize)
		fix_table(mem, size, esize == 8 ? fuzz_ld64(root + off) : fuzz_ld32(root + off));
	fix_table(mem, size, pa);
}

static void fix_checksums(u8 *mem, u64 size)
{
	u64 l;

	if (size < ACPI_RSDP_V1_LEN)
		return;
	fix_root(mem, size, fuzz_ld32(mem + ACPI_RSDP_OFF_RSDT), 4);
	if (size >= ACPI_RSDP_V2_LEN)
		fix_root(mem, size, fuzz_ld64(mem + ACPI_RSDP_OFF_XSDT), 8);
	/* The RSDP last: the tables above may overlap it. */
	fix(mem, ACPI_RSDP_V1_LEN, ACPI_RSDP_OFF_CHECKSUM);
	if (size < ACPI_RSDP_V2_LEN || mem[ACPI_RSDP_OFF_REVISION] < 2)
		return;
	l = fuzz_ld32(mem + ACPI_RSDP_OFF_LENGTH);
	if (l >= ACPI_RSDP_V2_LEN && l <= size)
		fix(mem, l, 32); /* 5.2.5.3: extended checksum at offset 32 */
}

static void check(const struct acpi_info *a)
{
	FUZZ_CHECK_ERRORS(a, ACPI_MAX_ERRORS);
	FUZZ_CHECK(a->nr_cpus <= ARRAY_SIZE(a->cpus), "%u CPUs", a->nr_cpus);
	for (u32 i = 0; i < a->nr_cpus; i++)
		for (u32 j = 0; j < i; j++)
			FUZZ_CHECK(a->cpus[i].apic_id != a->cpus[j].apic_id, "APIC id %u twice",
				   a->cpus[i].apic_id);
	FUZZ_CHECK(a->nr_ioapics <= ACPI_MAX_IOAPICS, "%u IOAPICs", a->nr_ioapics);
	FUZZ_CHECK(a->nr_isos <= ACPI_MAX_ISOS, "%u ISOs", a->nr_isos);
	FUZZ_CHECK(a->nr_nmis <= ACPI_MAX_NMIS, "%u NMIs", a->nr_nmis);
	FUZZ_CHECK(fuzz_terminated(a->oem, sizeof(a->oem)), "OEM id unterminated");
	/* nr_tables counts every valid table; the list keeps the first ACPI_MAX_TABLES. */
	for (u32 i = 0; i < a->nr_tables && i < ACPI_MAX_TABLES; i++)
		FUZZ_CHECK(fuzz_terminated(a->tables[i].sig, 5) && a->tables[i].len >= ACPI_HDR_LEN,
			   "table %u", i);
	FUZZ_CHECK(!a->dmar_addr || a->dmar_len >= DMAR_HDR_LEN, "DMAR of %u bytes", a->dmar_len);
	FUZZ_CHECK(a->dmar_len <= ACPI_MAX_TABLE_LEN, "DMAR of %u bytes", a->dmar_len);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct acpi_info a;
	static struct dmar_info d;
	struct fakemem mem;
	u8 *m;

	if (size > (1u << 16))
		return 0;
	fakemem_init(&mem);
	if (size) {
		m = fakemem_add(&mem, FUZZ_ACPI_BASE, size);
		memcpy(m, data, size);
		fix_checksums(m, size);
	}
	acpi_parse(FUZZ_ACPI_BASE, fakemem_map, &mem, &a);
	check(&a);
	/* What the kernel does next (arch/x86/vtd.c): decode the DMAR it was given. */
	if (a.dmar_addr) {
		const void *t = fakemem_map(a.dmar_addr, a.dmar_len, &mem);

		FUZZ_CHECK(t, "DMAR at 0x%lx not mappable any more", a.dmar_addr);
		dmar_parse(t, a.dmar_len, &d);
		FUZZ_CHECK_ERRORS(&d, DMAR_MAX_ERRORS);
	}
	fakemem_free(&mem);
	return 0;
}
