/*
 * Host page tables (see paging.h).  Built once on the BSP at INIT_EARLY from the boot memory
 * map and the linker's section symbols, then loaded into CR3; the APs load the same CR3 in
 * the trampoline.  Entry formats: SDM Vol. 3A 4.5, tables 4-15 to 4-20.
 *
 * Caching: a 2 MiB region that no RAM/ACPI entry of the memory map touches is device space
 * (LAPIC, IOAPIC, HPET, VT-d, PCI BARs) and gets PCD|PWT, i.e. UC with the power-on PAT, so
 * the result does not depend on the firmware's MTRRs.  The boot tables did the same for the
 * whole top GiB; RAM there (large machines) now stays write-back.
 */
#include "arch/x86/paging.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/spinlock.h"
#include "lib/boot_info.h"
#include "lib/assert.h"
#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/mm.h"
#include "lib/panic.h"
#include "lib/printk.h"

#define SZ_2M	      (2ull << 20)
#define NR_PD_ENTRIES (PAGING_IDENTITY_LIMIT / SZ_2M) /* 2048: four page directories */
#define TABLE_FLAGS   (PTE_P | PTE_W)		      /* non-leaf: the leaf decides W and NX */

extern char __kernel_start[], __text_end[], __data_start[], _end[];

/* Protects changes to the tables after paging_init (guard pages, trampoline); IRQ-safe. */
static struct spinlock paging_lock = SPINLOCK_INIT("paging", SPIN_IRQSAFE);
static u64 *pml4;
static u64 *pd; /* 2048 contiguous PDEs covering 0-4 GiB */

/*
 * The tables themselves live in .bss (zeroed by the boot code, no allocator needed, and cheap
 * on Bochs where every instruction of a page-zeroing loop counts as emulated time).  The
 * linker script keeps the image below 16 MiB: at most eight 2 MiB regions need page tables.
 */
#define LOW_PTS 8
static u64 host_pml4[512] __aligned(4096);
static u64 pdpt_all[512] __aligned(4096);
static u64 pd_all[NR_PD_ENTRIES / 512][512] __aligned(4096);
static u64 low_pts[LOW_PTS][512] __aligned(4096);
static u64 nx; /* PTE_NX, or 0 when the CPU has no NX */

u64 paging_cr3(void)
{
	return (u64)pml4;
}

bool paging_nx(void)
{
	return nx != 0;
}

/* Sets bit i of has_mem[] for every 2 MiB region i that RAM or ACPI memory touches. */
static void mark_memory(const struct boot_info *bi, u64 *has_mem)
{
	for (u32 i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		if (e->type != BOOT_MEM_RAM && e->type != BOOT_MEM_ACPI_RECLAIM &&
		    e->type != BOOT_MEM_NVS)
			continue;
		if (!e->len || e->base >= PAGING_IDENTITY_LIMIT)
			continue;
		u64 last = MIN(e->base + e->len - 1, PAGING_IDENTITY_LIMIT - 1) / SZ_2M;
		for (u64 r = e->base / SZ_2M; r <= last; r++)
			has_mem[r / 64] |= 1ull << (r % 64);
	}
}

/* Leaf flags of the 4 KiB page at pa inside the kernel's 4 KiB-mapped low region. */
static u64 low_page_flags(u64 pa)
{
	if (pa >= (u64)__kernel_start && pa < (u64)__text_end)
		return PTE_P; /* text (and the multiboot header, boot code): read + execute */
	if (pa >= (u64)__text_end && pa < (u64)__data_start)
		return PTE_P | nx; /* rodata, KTEST and initcall tables */
	return PTE_P | PTE_W | nx; /* data, bss, low memory, the rest of the region */
}

static u64 *alloc_table(void)
{
	u64 *t = page_alloc();

	if (!t)
		panic("paging: out of memory for page tables");
	return t;
}

/* Turns the 2 MiB PDE at index i into a page table with the same per-page attributes. */
static u64 *split(u64 i)
{
	u64 e = pd[i];

	if (!(e & PTE_PS))
		return (u64 *)(e & PTE_ADDR_MASK);
	u64 *pt = alloc_table();
	u64 flags = e & ~PTE_ADDR_MASK & ~PTE_PS; /* bit 7 of a PTE is PAT: must be 0 here */
	for (u64 j = 0; j < 512; j++)
		pt[j] = (e & PTE_ADDR_MASK) + j * PAGE_SIZE + flags;
	store_release(&pd[i],
		      (u64)pt |
			      TABLE_FLAGS); /* the table is complete before the walker can see it */
	return pt;
}

static int paging_init(void)
{
	static u64 has_mem[NR_PD_ENTRIES / 64];
	u64 low_end = ALIGN_UP((u64)_end, SZ_2M);

	if (low_end / SZ_2M > LOW_PTS)
		panic("paging: kernel image ends at %#lx, page tables for %u regions only", low_end,
		      LOW_PTS);
	nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	pml4 = host_pml4;
	pd = &pd_all[0][0];
	pml4[0] = (u64)pdpt_all | TABLE_FLAGS;
	for (u64 i = 0; i < NR_PD_ENTRIES / 512; i++)
		pdpt_all[i] = (u64)pd_all[i] | TABLE_FLAGS;
	mark_memory(kernel_boot_info(), has_mem);

	/* Every entry of pd_all and low_pts is written below: no zeroing needed. */
	for (u64 i = 0; i < NR_PD_ENTRIES; i++) {
		u64 pa = i * SZ_2M;
		if (pa < low_end) {
			u64 *pt = low_pts[i];
			for (u64 j = 0; j < 512; j++)
				pt[j] = (pa + j * PAGE_SIZE) | low_page_flags(pa + j * PAGE_SIZE);
			pd[i] = (u64)pt | TABLE_FLAGS;
			continue;
		}
		pd[i] = pa | PTE_P | PTE_W | PTE_PS | nx;
		if (!(has_mem[i / 64] & (1ull << (i % 64))))
			pd[i] |= PTE_PCD | PTE_PWT;
	}
	write_cr3((u64)pml4);
	return 0;
}
INITCALL(INIT_EARLY, paging_init);

/* Reported late, for the same reason as the timer (timer.c): serial output is slow. */
static int paging_report(void)
{
	if (pml4)
		printk("paging: kernel W^X in 4 KiB pages below %#lx, NX %s\n",
		       (u64)ALIGN_UP((u64)_end, SZ_2M), nx ? "on" : "absent");
	return 0;
}
INITCALL(INIT_LATE, paging_report);

u64 paging_lookup(u64 va, u64 *size)
{
	if (!pml4 || va >= PAGING_IDENTITY_LIMIT)
		return 0;
	u64 e = load_relaxed(&pd[va / SZ_2M]);
	if (!(e & PTE_P))
		return 0;
	if (e & PTE_PS) {
		if (size)
			*size = SZ_2M;
		return e;
	}
	e = load_relaxed(&((u64 *)(e & PTE_ADDR_MASK))[(va / PAGE_SIZE) % 512]);
	if (!(e & PTE_P))
		return 0;
	if (size)
		*size = PAGE_SIZE;
	return e;
}

static void update_pte(u64 va, u64 clear, u64 set)
{
	ASSERT(pml4 && va < PAGING_IDENTITY_LIMIT && !(va & (PAGE_SIZE - 1)));
	unsigned long f = spin_lock_irqsave(&paging_lock);
	u64 *pt = split(va / SZ_2M);
	u64 *e = &pt[(va / PAGE_SIZE) % 512];
	store_relaxed(e, (*e & ~clear) | set);
	invlpg((void *)va);
	spin_unlock_irqrestore(&paging_lock, f);
}

void paging_unmap_page(u64 va)
{
	update_pte(va, PTE_P, 0);
}

void paging_make_exec(u64 va)
{
	update_pte(va, PTE_NX, 0);
}
