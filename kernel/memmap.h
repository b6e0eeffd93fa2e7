/*
 * Memory-map sanitizer: turns the loader's memory map (untrusted: entries may overlap, come
 * unsorted, have length 0 or wrap past 2^64, or type RAM over a reserved or MMIO range) into
 * the RAM that may be handed out.  Pure C, no hardware: kernel/mm.c is the user, the host unit
 * tests and tests/fuzz/fuzz_memmap.c check it.
 *
 * Rules, in order:
 *   - entries past MEMMAP_MAX_IN are ignored (reported);
 *   - a length-0 entry is dropped (reported), whatever its type;
 *   - an entry whose base + len wraps past 2^64: RAM is dropped, any other type still counts
 *     as reserved from its base to the top of the address space (reported either way);
 *   - RAM is type BOOT_MEM_RAM only; every other type (reserved, ACPI, NVS, bad, unknown) wins
 *     over RAM where the two overlap;
 *   - overlapping RAM entries are merged (reported), adjacent ones merged silently;
 *   - RAM is cut to whole pages inward, every non-RAM range widened to whole pages outward,
 *     so a page that is partly non-RAM is never used.
 */
#ifndef KERNEL_MEMMAP_H
#define KERNEL_MEMMAP_H

#include "lib/boot_info.h"
#include "lib/types.h"

#define MEMMAP_MAX_IN	  BOOT_MAX_MMAP
#define MEMMAP_MAX_ERRORS 4
#define MEMMAP_ERROR_LEN  96

struct memmap_range {
	u64 base, end; /* [base, end), both page aligned, base < end */
};

struct memmap {
	/*
	 * The result: sorted, disjoint, not adjacent, page aligned, no byte of it in a non-RAM
	 * entry.  RAM minus holes has at most (RAM pieces + holes) ranges, so MEMMAP_MAX_IN fit.
	 */
	u32 nr_ram;
	struct memmap_range ram[MEMMAP_MAX_IN];
	/* The non-RAM ranges, merged and widened to pages: what was kept out. */
	u32 nr_holes;
	struct memmap_range holes[MEMMAP_MAX_IN];
	/* Scratch for the merged RAM before the holes are cut out. */
	struct memmap_range scratch[MEMMAP_MAX_IN];

	u32 nr_empty;	 /* length-0 entries dropped */
	u32 nr_wrapped;	 /* entries whose end wraps past 2^64 */
	u32 nr_ignored;	 /* entries past MEMMAP_MAX_IN */
	u32 nr_overlaps; /* RAM entries that overlapped other RAM */
	u32 nr_cut;	 /* RAM pieces that a non-RAM range overlapped */
	u64 bytes_ram;	 /* sum of the result's lengths */

	u32 nr_errors; /* <= MEMMAP_MAX_ERRORS; errors_dropped counts the rest */
	u32 errors_dropped;
	char errors[MEMMAP_MAX_ERRORS][MEMMAP_ERROR_LEN];
};

/*
 * Sanitize in[0..nr) into *m (cleared first).  in may be NULL when nr is 0.
 * @post m->ram[] as described above; every anomaly counted and described in m->errors.
 */
void memmap_sanitize(const struct boot_mmap_entry *in, u32 nr, struct memmap *m);

#endif
