/* Memory-map sanitizer (rules in memmap.h).  Pure C, host-tested and fuzzed. */
#include "kernel/memmap.h"

#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/fmt.h"

/*
 * The last page boundary below 2^64.  RAM never reaches past it (its end is at most 2^64 - 1,
 * cut down to a page), so a non-RAM range that runs to the top may stop here.
 */
#define MEMMAP_TOP ALIGN_DOWN(~0ull, PAGE_SIZE)

#define ERR(m, ...)                                                                                \
	fmt_err_add(&(m)->errors[0][0], MEMMAP_ERROR_LEN, &(m)->nr_errors, MEMMAP_MAX_ERRORS,      \
		    &(m)->errors_dropped, __VA_ARGS__)

/* Insertion sort by base, then end: at most MEMMAP_MAX_IN entries, no allocation. */
static void sort_ranges(struct memmap_range *r, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		struct memmap_range x = r[i];
		u32 j = i;

		while (j && (r[j - 1].base > x.base ||
			     (r[j - 1].base == x.base && r[j - 1].end > x.end))) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = x;
	}
}

/*
 * Merges overlapping and adjacent ranges of a sorted list in place; returns the new count.
 * With m, an overlap (not a mere adjacency) is counted and reported: for RAM it means the
 * loader described the same bytes twice.
 */
static u32 merge_ranges(struct memmap_range *r, u32 n, struct memmap *m)
{
	u32 out = 0;

	for (u32 i = 0; i < n; i++) {
		struct memmap_range *last = out ? &r[out - 1] : NULL;

		if (last && r[i].base <= last->end) {
			if (m && r[i].base < last->end) {
				m->nr_overlaps++;
				ERR(m, "RAM 0x%lx-0x%lx overlaps RAM 0x%lx-0x%lx, merged",
				    r[i].base, r[i].end, last->base, last->end);
			}
			if (r[i].end > last->end)
				last->end = r[i].end;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/* RAM cut to whole pages inward; drops what holds no whole page.  Returns the new count. */
static u32 ram_to_pages(struct memmap_range *r, u32 n)
{
	u32 out = 0;

	for (u32 i = 0; i < n; i++) {
		u64 lo, hi = ALIGN_DOWN(r[i].end, PAGE_SIZE);

		if (r[i].base > MEMMAP_TOP)
			continue; /* inside the last page: ALIGN_UP would wrap */
		lo = ALIGN_UP(r[i].base, PAGE_SIZE);
		if (lo < hi)
			r[out++] = (struct memmap_range){lo, hi};
	}
	return out;
}

/* Reads the entries: RAM (exact bytes) into m->scratch, the rest (whole pages) into m->holes. */
static u32 collect(const struct boot_mmap_entry *in, u32 nr, struct memmap *m)
{
	u32 nr_ram = 0;

	for (u32 i = 0; i < nr; i++) {
		const struct boot_mmap_entry *e = &in[i];
		bool wraps = e->len > ~0ull - e->base; /* base + len > 2^64 - 1 */
		u64 end = wraps ? ~0ull : e->base + e->len;

		if (!e->len) {
			m->nr_empty++;
			ERR(m, "entry %u (type %u) at 0x%lx has length 0, dropped", i, e->type,
			    e->base);
			continue;
		}
		if (wraps)
			m->nr_wrapped++;
		if (e->type == BOOT_MEM_RAM) {
			if (wraps) {
				ERR(m, "entry %u: RAM 0x%lx+0x%lx wraps past 2^64, dropped", i,
				    e->base, e->len);
				continue;
			}
			m->scratch[nr_ram++] = (struct memmap_range){e->base, end};
			continue;
		}
		/* Not RAM: wins over RAM, so a doubtful one is kept out as far as it could reach.
		 */
		if (wraps)
			ERR(m, "entry %u: type %u 0x%lx+0x%lx wraps past 2^64, reserved to the top",
			    i, e->type, e->base, e->len);
		u64 lo = ALIGN_DOWN(e->base, PAGE_SIZE);
		u64 hi = end > MEMMAP_TOP ? MEMMAP_TOP : ALIGN_UP(end, PAGE_SIZE);

		if (lo < hi)
			m->holes[m->nr_holes++] = (struct memmap_range){lo, hi};
	}
	return nr_ram;
}

static void emit(struct memmap *m, u64 lo, u64 hi)
{
	/* RAM minus holes has at most nr_ram + nr_holes <= MEMMAP_MAX_IN pieces (memmap.h). */
	if (m->nr_ram >= MEMMAP_MAX_IN) {
		ERR(m, "RAM 0x%lx-0x%lx: result full, dropped", lo, hi);
		return;
	}
	m->ram[m->nr_ram++] = (struct memmap_range){lo, hi};
	m->bytes_ram += hi - lo;
}

/* m->ram = m->scratch minus m->holes; both inputs sorted and disjoint. */
static void subtract(struct memmap *m, u32 nr_ram)
{
	u32 h = 0;

	for (u32 i = 0; i < nr_ram; i++) {
		u64 lo = m->scratch[i].base, hi = m->scratch[i].end;
		bool cut = false;

		while (h < m->nr_holes && m->holes[h].end <= lo)
			h++;
		/* k, not h: a hole that runs past this RAM range may cut the next one too. */
		for (u32 k = h; k < m->nr_holes && m->holes[k].base < hi && lo < hi; k++) {
			cut = true;
			if (m->holes[k].base > lo)
				emit(m, lo, m->holes[k].base);
			lo = MAX(lo, m->holes[k].end);
		}
		if (lo < hi)
			emit(m, lo, hi);
		if (cut) {
			m->nr_cut++;
			ERR(m, "RAM 0x%lx-0x%lx overlaps non-RAM ranges, those pages not used",
			    m->scratch[i].base, m->scratch[i].end);
		}
	}
}

void memmap_sanitize(const struct boot_mmap_entry *in, u32 nr, struct memmap *m)
{
	u8 *b = (u8 *)m;
	u32 nr_ram;

	for (size_t i = 0; i < sizeof(*m); i++)
		b[i] = 0;
	if (!in)
		nr = 0;
	if (nr > MEMMAP_MAX_IN) {
		m->nr_ignored = nr - MEMMAP_MAX_IN;
		ERR(m, "%u entries, only the first %u used", nr, MEMMAP_MAX_IN);
		nr = MEMMAP_MAX_IN;
	}
	nr_ram = collect(in, nr, m);
	/* Merge the exact bytes first: two RAM entries may share a page that each only half covers.
	 */
	sort_ranges(m->scratch, nr_ram);
	nr_ram = merge_ranges(m->scratch, nr_ram, m);
	nr_ram = ram_to_pages(m->scratch, nr_ram);
	sort_ranges(m->holes, m->nr_holes);
	m->nr_holes = merge_ranges(m->holes, m->nr_holes, NULL);
	subtract(m, nr_ram);
}
