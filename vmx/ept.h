/*
 * INTERFACE: extended page tables for one VM (SDM Vol. 3C 29.3).  4-level, write-back
 * paging-structure accesses, 4 KiB leaves of memory type WB.  A VM's EPT maps its own pages
 * (its memory and its APIC-access page) and nothing else, so any other guest-physical access
 * is an EPT violation.
 */
#ifndef VMX_EPT_H
#define VMX_EPT_H

#include "lib/types.h"

#define EPT_READ  (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXEC  (1ull << 2)
#define EPT_RWX	  (EPT_READ | EPT_WRITE | EPT_EXEC)

struct ept {
	u64 *pml4;
	u64 eptp;     /* value for the EPT_POINTER field */
	u32 nr_pages; /* paging-structure pages allocated */
};

/* @post 0 and e->eptp valid, or -1 (out of memory). */
int ept_init(struct ept *e);
/*
 * Maps [gpa, gpa + len) to [hpa, ...) with `perm`.
 * @pre gpa, hpa, len 4 KiB-aligned; gpa < 2^48. @post 0, or -1 (out of memory).
 */
int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 len, u64 perm);
/* The leaf entry for gpa, or 0 if unmapped (for tests and fault reports). */
u64 ept_lookup(const struct ept *e, u64 gpa);

#endif
