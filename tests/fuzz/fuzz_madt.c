/*
 * arch/x86/madt_parse.c straight on a MADT image: the 44-byte fixed part, then {type, length}
 * entries.  acpi_parse() hands the walker a whole, checksummed table of at least 36 bytes;
 * so does this harness (the checksum is not the walker's business), in an exact-size copy.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/acpi_walk.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct acpi_info a;
	struct acpi_walk w = {.out = &a};
	u8 *t;

	if (size < ACPI_HDR_LEN || size > ACPI_MAX_TABLE_LEN)
		return 0;
	memset(&a, 0, sizeof(a));
	t = fuzz_copy(data, size);
	acpi_madt_parse(&w, t, (u32)size);

	FUZZ_CHECK_ERRORS(&a, ACPI_MAX_ERRORS);
	FUZZ_CHECK(a.nr_cpus <= ARRAY_SIZE(a.cpus), "%u CPUs", a.nr_cpus);
	for (u32 i = 0; i < a.nr_cpus; i++) {
		FUZZ_CHECK(a.cpus[i].enabled || a.cpus[i].online_capable, "CPU %u unusable", i);
		FUZZ_CHECK(a.cpus[i].x2apic_entry || a.cpus[i].apic_id != 0xff,
			   "xAPIC broadcast id taken as a CPU");
		for (u32 j = 0; j < i; j++)
			FUZZ_CHECK(a.cpus[i].apic_id != a.cpus[j].apic_id, "APIC id %u twice",
				   a.cpus[i].apic_id);
	}
	FUZZ_CHECK(a.nr_ioapics <= ACPI_MAX_IOAPICS, "%u IOAPICs", a.nr_ioapics);
	FUZZ_CHECK(a.nr_isos <= ACPI_MAX_ISOS, "%u ISOs", a.nr_isos);
	FUZZ_CHECK(a.nr_nmis <= ACPI_MAX_NMIS, "%u NMIs", a.nr_nmis);
	for (u32 i = 0; i < a.nr_nmis; i++)
		FUZZ_CHECK(a.nmis[i].lint <= 0xff, "NMI %u", i);
	/* A local APIC override is used only below 4 GiB. */
	FUZZ_CHECK(!a.lapic_override || (a.lapic_override >> 32) ||
			   a.lapic_addr == (u32)a.lapic_override,
		   "override 0x%lx not applied (lapic 0x%x)", a.lapic_override, a.lapic_addr);
	free(t);
	return 0;
}
