/*
 * EPT construction (SDM Vol. 3C 29.3.2, 29.3.3; entry formats in tables 29-1 .. 29-6).
 * Non-leaf entries grant RWX and let the leaf decide; leaves carry memory type 6 (WB) in bits
 * 5:3 with "ignore PAT" clear, so the guest's PAT still applies on top.
 */
#include "arch/x86/paging.h" /* PTE_ADDR_MASK: EPT entries hold addresses the same way */
#include "lib/config.h"
#include "lib/mm.h"
#include "vmx/ept.h"

#define EPT_MEMTYPE_WB	(6ull << 3)
#define EPTP_MEMTYPE_WB 6ull
#define EPTP_WALK4	(3ull << 3) /* page-walk length - 1 (29.3.2, 25.6.11) */

int ept_init(struct ept *e)
{
	e->pml4 = page_alloc();
	if (!e->pml4)
		return -1;
	e->nr_pages = 1;
	e->eptp = (u64)e->pml4 | EPTP_WALK4 | EPTP_MEMTYPE_WB;
	return 0;
}

/* Next-level table under entry `*pte`, allocated on first use. */
static u64 *next_table(struct ept *e, u64 *pte)
{
	if (!(*pte & EPT_RWX)) {
		u64 *t = page_alloc();
		if (!t)
			return NULL;
		e->nr_pages++;
		*pte = (u64)t | EPT_RWX;
	}
	return (u64 *)(*pte & PTE_ADDR_MASK);
}

static u64 *leaf(struct ept *e, u64 gpa, bool alloc)
{
	u64 *t = e->pml4;

	for (int shift = 39; shift > 12; shift -= 9) {
		u64 *pte = &t[(gpa >> shift) & 511];
		if (!alloc && !(*pte & EPT_RWX))
			return NULL;
		t = next_table(e, pte);
		if (!t)
			return NULL;
	}
	return &t[(gpa >> 12) & 511];
}

int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 len, u64 perm)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		u64 *pte = leaf(e, gpa + off, true);
		if (!pte)
			return -1;
		*pte = ((hpa + off) & PTE_ADDR_MASK) | EPT_MEMTYPE_WB | (perm & EPT_RWX);
	}
	return 0;
}

u64 ept_lookup(const struct ept *e, u64 gpa)
{
	u64 *pte = leaf((struct ept *)e, gpa, false);

	return pte ? *pte : 0;
}
