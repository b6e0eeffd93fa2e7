/*
 * kernel/memmap.c: the memory-map sanitizer, checked against its promises and against a
 * page-by-page oracle written without its algorithm.
 *
 * Input: a list of entries, each one tag byte and then either (tag bit 0 set) a raw entry,
 * u64 base, u64 len, u32 type, or a compact one: a 24-bit base and a 16-bit length in 256-byte
 * units, then a byte that (bit 7 set) adds up to 127 bytes to the length; its type comes from
 * the tag's bits 1-3.  The compact form lets the fuzzer easily make entries that overlap,
 * touch and half-cover pages; the raw one reaches the top of the address space.
 */
#include "kernel/memmap.h"
#include "lib/config.h"
#include "tests/fuzz/fuzz.h"

#define MAX_ENTRIES (MEMMAP_MAX_IN + 8) /* a few past what is used, to cover "ignored" */

typedef unsigned __int128 u128;

static struct boot_mmap_entry in[MAX_ENTRIES];
static u32 nr_in;
static struct memmap m;

static u32 decode(const u8 *d, size_t size)
{
	static const u32 types[8] = {1, 1, 1, 2, 3, 4, 5, 20}; /* RAM more often */
	u32 n = 0;

	for (size_t off = 0; off < size && n < MAX_ENTRIES;) {
		u8 tag = d[off++];

		if (tag & 1) {
			if (size - off < 20)
				break;
			in[n++] =
				(struct boot_mmap_entry){fuzz_ld64(d + off), fuzz_ld64(d + off + 8),
							 fuzz_ld32(d + off + 16)};
			off += 20;
		} else {
			if (size - off < 6)
				break;
			u64 base = ((u64)d[off] | (u64)d[off + 1] << 8 | (u64)d[off + 2] << 16)
				   << 8;
			u64 len = ((u64)d[off + 3] | (u64)d[off + 4] << 8) << 8;

			in[n++] = (struct boot_mmap_entry){base, len, types[(tag >> 1) & 7]};
			off += 6;
			if (d[off - 1] & 0x80) /* a length that is not a multiple of 256 */
				in[n - 1].len += d[off - 1] & 0x7f;
		}
	}
	return n;
}

static u128 end_of(const struct boot_mmap_entry *e)
{
	return (u128)e->base + e->len; /* up to 2^65 - 2: no wrap in 128 bits */
}

/* The valid RAM entries (non-empty, not wrapping), sorted by base: the oracle's RAM. */
static struct {
	u64 base;
	u128 end;
} ram[MAX_ENTRIES];
static u32 nr_ram;

static int by_base(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void oracle_init(void)
{
	nr_ram = 0;
	for (u32 i = 0; i < nr_in && i < MEMMAP_MAX_IN; i++) {
		if (in[i].type != BOOT_MEM_RAM || !in[i].len || end_of(&in[i]) > ~0ull)
			continue;
		ram[nr_ram].base = in[i].base;
		ram[nr_ram++].end = end_of(&in[i]);
	}
	qsort(ram, nr_ram, sizeof(ram[0]), by_base);
}

/* Oracle: may the page at p be handed out?  Straight from the rules in memmap.h. */
static bool page_usable(u64 p)
{
	u128 lo = p, hi = (u128)p + PAGE_SIZE, covered = lo;

	for (u32 i = 0; i < nr_in && i < MEMMAP_MAX_IN; i++) {
		const struct boot_mmap_entry *e = &in[i];

		if (e->type != BOOT_MEM_RAM && e->len && e->base < hi && end_of(e) > lo)
			return false; /* any non-RAM byte in the page (a wrapping one included) */
	}
	/* Is [lo, hi) inside the union of the RAM entries? */
	for (u32 i = 0; i < nr_ram && ram[i].base <= covered && covered < hi; i++)
		if (ram[i].end > covered)
			covered = ram[i].end;
	return covered >= hi;
}

static bool in_result(u64 p)
{
	for (u32 i = 0; i < m.nr_ram; i++)
		if (p >= m.ram[i].base && p < m.ram[i].end)
			return true;
	return false;
}

/*
 * Every page where page_usable() or the result can change: both are constant between these
 * points, so agreeing on all of them is agreeing on every page.
 */
static u64 pts[5 * MAX_ENTRIES + 4 * MEMMAP_MAX_IN];

static void check_oracle(void)
{
	u32 n = 0;

	for (u32 i = 0; i < nr_in && i < MEMMAP_MAX_IN; i++) {
		u64 b = in[i].base, e = in[i].base + in[i].len; /* e may wrap: only a candidate */

		pts[n++] = ALIGN_DOWN(b, PAGE_SIZE);
		pts[n++] = ALIGN_DOWN(b, PAGE_SIZE) + PAGE_SIZE;
		pts[n++] = ALIGN_DOWN(e, PAGE_SIZE);
		pts[n++] = ALIGN_DOWN(e, PAGE_SIZE) - PAGE_SIZE;
		pts[n++] = ALIGN_DOWN(e, PAGE_SIZE) + PAGE_SIZE;
	}
	for (u32 i = 0; i < m.nr_ram; i++) {
		pts[n++] = m.ram[i].base;
		pts[n++] = m.ram[i].base - PAGE_SIZE;
		pts[n++] = m.ram[i].end;
		pts[n++] = m.ram[i].end - PAGE_SIZE;
	}
	for (u32 i = 0; i < n; i++) {
		u64 p = pts[i];

		if (p > ALIGN_DOWN(~0ull, PAGE_SIZE))
			continue;
		FUZZ_CHECK(page_usable(p) == in_result(p), "page 0x%lx: oracle says %s", p,
			   page_usable(p) ? "usable" : "not usable");
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u64 total = 0;

	nr_in = decode(data, size);
	memmap_sanitize(in, nr_in, &m);
	oracle_init();

	FUZZ_CHECK_ERRORS(&m, MEMMAP_MAX_ERRORS);
	FUZZ_CHECK(m.nr_ram <= MEMMAP_MAX_IN, "%u ranges", m.nr_ram);
	FUZZ_CHECK(m.nr_ignored == (nr_in > MEMMAP_MAX_IN ? nr_in - MEMMAP_MAX_IN : 0), "ignored");
	for (u32 i = 0; i < m.nr_ram; i++) {
		const struct memmap_range *r = &m.ram[i];

		/* sorted, disjoint and not touching (touching ones would have been merged) */
		FUZZ_CHECK(r->base < r->end, "range %u empty", i);
		FUZZ_CHECK(!(r->base % PAGE_SIZE) && !(r->end % PAGE_SIZE), "range %u unaligned",
			   i);
		FUZZ_CHECK(!i || m.ram[i - 1].end < r->base, "range %u not after range %u", i,
			   i - 1);
		/* no byte of it in any non-RAM entry */
		for (u32 k = 0; k < nr_in && k < MEMMAP_MAX_IN; k++)
			FUZZ_CHECK(in[k].type == BOOT_MEM_RAM || !in[k].len ||
					   in[k].base >= r->end || end_of(&in[k]) <= r->base,
				   "range 0x%lx-0x%lx meets entry %u (type %u, 0x%lx+0x%lx)",
				   r->base, r->end, k, in[k].type, in[k].base, in[k].len);
		/* both ends inside RAM the loader reported (the oracle checks every page) */
		FUZZ_CHECK(page_usable(r->base) && page_usable(r->end - PAGE_SIZE),
			   "range 0x%lx-0x%lx not all RAM", r->base, r->end);
		total += r->end - r->base;
	}
	FUZZ_CHECK(total == m.bytes_ram, "bytes_ram 0x%lx, ranges add up to 0x%lx", m.bytes_ram,
		   total);
	check_oracle();
	return 0;
}
