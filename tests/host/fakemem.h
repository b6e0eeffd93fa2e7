/*
 * Fake physical memory for parser tests.  Regions are sparse [pa, pa + len) buffers; the map
 * function hands out a fresh malloc'd copy of exactly the requested range, so a parser that
 * reads one byte past what it mapped trips AddressSanitizer, and an unmapped range gives NULL.
 */
#ifndef TESTS_HOST_FAKEMEM_H
#define TESTS_HOST_FAKEMEM_H

#include "lib/types.h"

#define FAKEMEM_REGIONS 16

struct fakemem {
	struct {
		u64 pa, len;
		u8 *buf;
	} r[FAKEMEM_REGIONS];
	int nr;
	void **copies; /* every buffer fakemem_map handed out, freed by fakemem_free */
	unsigned int nr_copies, cap_copies;
	unsigned int nr_maps;
};

void fakemem_init(struct fakemem *m);
/* Zeroed, writable backing store for [pa, pa + len). */
u8 *fakemem_add(struct fakemem *m, u64 pa, u64 len);
/* Host pointer to pa inside a region (for building fixtures), NULL if unmapped. */
u8 *fakemem_ptr(struct fakemem *m, u64 pa);
/* acpi_map_fn / boot_map_fn; ctx is the struct fakemem. */
const void *fakemem_map(u64 pa, u64 len, void *ctx);
void fakemem_free(struct fakemem *m);

#endif
