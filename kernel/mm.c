/*
 * A deliberately simple allocator: usable RAM ranges from the sanitized memory map
 * (kernel/memmap.h) below 4 GiB, where the identity map reaches, minus everything that is in
 * use at boot, handed out by a bump pointer per range; freed pages go to a free list and are
 * reused first.  pihv allocates at init time and when VMs are created, so fragmentation is not
 * a concern.
 */
#include "lib/mm.h"
#include "arch/x86/spinlock.h"
#include "lib/boot_info.h"
#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "kernel/memmap.h"

#define MAX_RANGES 32
#define LOW_LIMIT  (4ull << 30)

struct range {
	u64 next, end; /* [next, end) still free */
};

/* Protects ranges[], nr_ranges and free_list; IRQ-safe so that any context may allocate. */
static struct spinlock mm_lock = SPINLOCK_INIT("mm", SPIN_IRQSAFE);
static struct range ranges[MAX_RANGES];
static u32 nr_ranges;
static void *free_list; /* freed pages, linked through their first word */
static u64 nr_free;
static struct memmap memmap; /* 6 KiB: kept off the boot stack */

extern char __kernel_start[], _end[];

/* Removes [lo, hi) from every range, splitting one range in two where needed. */
static void reserve(u64 lo, u64 hi)
{
	lo = ALIGN_DOWN(lo, PAGE_SIZE);
	hi = ALIGN_UP(hi, PAGE_SIZE);
	for (u32 i = 0; i < nr_ranges; i++) {
		struct range *r = &ranges[i];
		if (hi <= r->next || lo >= r->end)
			continue;
		if (lo > r->next && hi < r->end && nr_ranges < MAX_RANGES) {
			ranges[nr_ranges++] = (struct range){hi, r->end};
			r->end = lo;
		} else if (lo <= r->next) {
			r->next = hi < r->end ? hi : r->end;
		} else {
			r->end = lo;
		}
	}
}

void mm_init(const struct boot_info *bi)
{
	u32 unused = 0;

	/*
	 * The loader's map is untrusted: RAM entries may overlap (the same pages handed out
	 * twice) or lie over MMIO and firmware ranges.  Only what the sanitizer keeps is used.
	 */
	memmap_sanitize(bi->mmap, bi->nr_mmap, &memmap);
	for (u32 i = 0; i < memmap.nr_errors; i++)
		printk("mm: memory map: %s\n", memmap.errors[i]);
	if (memmap.errors_dropped)
		printk("mm: memory map: ... and %u more problems\n", memmap.errors_dropped);
	for (u32 i = 0; i < memmap.nr_ram; i++) {
		const struct memmap_range *r = &memmap.ram[i];

		if (r->base >= LOW_LIMIT)
			continue; /* beyond the identity map */
		if (nr_ranges == MAX_RANGES) {
			unused++;
			continue;
		}
		ranges[nr_ranges++] = (struct range){r->base, MIN(r->end, LOW_LIMIT)};
	}
	if (unused)
		printk("mm: more than %u RAM ranges below 4 GiB, %u not used\n", MAX_RANGES,
		       unused);
	/* The first MiB: real-mode IVT, BDA, EBDA, the AP trampoline page, firmware. */
	reserve(0, 1ull << 20);
	reserve((u64)__kernel_start, (u64)_end);
	reserve(bi->mbi_start, bi->mbi_end);
	for (u32 i = 0; i < bi->nr_modules; i++)
		reserve(bi->modules[i].start, bi->modules[i].end);
	for (u32 i = 0; i < nr_ranges; i++)
		nr_free += (ranges[i].end - ranges[i].next) / PAGE_SIZE;
	printk("mm: %lu KiB free in %u ranges\n", nr_free * 4, nr_ranges);
}

void *pages_alloc(u32 n)
{
	void *p = NULL;
	unsigned long f = spin_lock_irqsave(&mm_lock);

	if (n == 1 && free_list) {
		p = free_list;
		free_list = *(void **)p;
	} else {
		for (u32 i = 0; i < nr_ranges; i++) {
			if (ranges[i].end - ranges[i].next >= n * PAGE_SIZE) {
				p = (void *)ranges[i].next;
				ranges[i].next += n * PAGE_SIZE;
				break;
			}
		}
	}
	if (p)
		nr_free -= n;
	spin_unlock_irqrestore(&mm_lock, f);
	if (p)
		memset(p, 0, n * PAGE_SIZE);
	return p;
}

void *page_alloc(void)
{
	return pages_alloc(1);
}

void page_free(void *p)
{
	unsigned long f = spin_lock_irqsave(&mm_lock);
	*(void **)p = free_list;
	free_list = p;
	nr_free++;
	spin_unlock_irqrestore(&mm_lock, f);
}

u64 mm_free_pages(void)
{
	return nr_free;
}
