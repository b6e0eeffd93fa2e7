/*
 * arch/x86/dmar_parse.c on a DMAR image of exactly the input's size.  When the table's own
 * length field fits the input, the harness fixes its checksum first (else the fuzzer would
 * rarely get past it; tests/host/test_dmar.c covers the checksum check).
 */
#include "arch/x86/acpi.h"
#include "arch/x86/dmar.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct dmar_info d;
	u8 *t;
	int r;

	if (size > ACPI_MAX_TABLE_LEN)
		return 0;
	t = fuzz_copy(data, size);
	if (size >= DMAR_HDR_LEN) {
		u32 l = fuzz_ld32(t + ACPI_HDR_OFF_LENGTH);

		if (l >= DMAR_HDR_LEN && l <= size) {
			t[9] = 0;
			t[9] = (u8)-acpi_checksum(t, l);
		}
	}
	r = dmar_parse(size ? t : NULL, (u32)size, &d);

	FUZZ_CHECK_ERRORS(&d, DMAR_MAX_ERRORS);
	FUZZ_CHECK(r == 0 || r == -1, "returned %d", r);
	FUZZ_CHECK(r < 0 || d.nr_units <= DMAR_MAX_UNITS, "%u units", d.nr_units);
	for (u32 i = 0; r == 0 && i < d.nr_units; i++) {
		const struct dmar_unit *u = &d.units[i];

		FUZZ_CHECK(u->nr_scopes <= DMAR_MAX_SCOPES, "unit %u: %u scopes", i, u->nr_scopes);
		for (u32 s = 0; s < u->nr_scopes; s++) {
			const struct dmar_scope *sc = &u->scopes[s];

			FUZZ_CHECK(sc->path_len >= 1, "unit %u scope %u: empty path", i, s);
			/* The source-id is only meaningful (and only set) for one-hop paths. */
			FUZZ_CHECK(sc->path_len == 1 || !sc->sid,
				   "unit %u scope %u: sid 0x%x for a %u-hop path", i, s, sc->sid,
				   sc->path_len);
			FUZZ_CHECK(sc->path_len != 1 ||
					   sc->sid == (u16)(sc->bus << 8 | (sc->dev & 0x1f) << 3 |
							    (sc->fn & 7)),
				   "unit %u scope %u: sid 0x%x", i, s, sc->sid);
		}
	}
	free(t);
	return 0;
}
