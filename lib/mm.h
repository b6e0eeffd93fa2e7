/*
 * INTERFACE: physical page allocator fed by the boot memory map.  Pages are identity mapped
 * (the boot page tables map 0-4 GiB), so a page's address is its physical address.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include "lib/types.h"

struct boot_info;

/* @pre the boot info is parsed. Reserves the kernel image, the MBI, modules, the first MiB. */
void mm_init(const struct boot_info *bi);
/* A zeroed, 4 KiB-aligned page, or NULL when memory is exhausted. Any CPU, any context. */
void *page_alloc(void);
/* n contiguous zeroed pages, 4 KiB-aligned, or NULL. */
void *pages_alloc(u32 n);
void page_free(void *p);
u64 mm_free_pages(void);

#endif
