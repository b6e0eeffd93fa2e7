/*
 * INTERFACE: the host page tables (4-level, SDM Vol. 3A 4.5), one set shared by every CPU.
 *
 * 0-4 GiB stay identity mapped (virtual == physical), as with the boot tables, so RAM below
 * 4 GiB is reachable by its physical address.  What changes: the kernel image is mapped with
 * 4 KiB pages and W^X (text R+X, rodata R+NX, data/bss RW+NX), everything else RW+NX except
 * the AP trampoline page, 2 MiB regions without RAM (MMIO) are uncached, and guard pages
 * below the CPU stacks are not mapped at all.
 */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "lib/types.h"

#define PTE_P	      (1ull << 0)
#define PTE_W	      (1ull << 1)
#define PTE_PWT	      (1ull << 3)
#define PTE_PCD	      (1ull << 4)
#define PTE_PS	      (1ull << 7)  /* in a PDE/PDPTE: maps a 2 MiB/1 GiB page */
#define PTE_NX	      (1ull << 63) /* needs EFER.NXE, else the bit is reserved */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Identity-map limit of the host tables. */
#define PAGING_IDENTITY_LIMIT (4ull << 30)

/* CR3 value of the host tables; 0 until paging_init has run (APs load it in the trampoline). */
u64 paging_cr3(void);
/*
 * The leaf entry that maps va and its size (4096 or 2 MiB) in *size; 0 if va is not mapped.
 * Any CPU, any time (reads only).
 */
u64 paging_lookup(u64 va, u64 *size);
/*
 * Unmaps the 4 KiB page at va (a 2 MiB mapping around it is split first).  For guard pages.
 * @pre va is 4 KiB aligned, below PAGING_IDENTITY_LIMIT; no other CPU has used the page (no
 *      TLB shootdown is done).  @post paging_lookup(va) == 0
 */
void paging_unmap_page(u64 va);
/* Marks the 4 KiB page at va executable (the AP trampoline). Same preconditions. */
void paging_make_exec(u64 va);
/* True when NX is in use (EFER.NXE was enabled by the boot code). */
bool paging_nx(void);

#endif
