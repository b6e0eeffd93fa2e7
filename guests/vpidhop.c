/*
 * vpidhop: the guest of vmx-vpid-migrate (tests/emu/cases/iso_vpid.c).  It maps one page of
 * its own at VA 1 GiB (a PD and a PT in its .bss, hung off the loader's PDPT), then hops from
 * pCPU to pCPU (ISO_OP_HOP).  After each hop it reads through the mapping (a pCPU where it ran
 * before may still cache the old translation, tagged with its VPID), then points the mapping at
 * the other of two pages and flushes it with INVLPG, which reaches only the TLB of the pCPU it
 * runs on.  Every read must see the page the mapping names now: after a hop back to a pCPU
 * that still holds an older translation, that needs the hypervisor's INVVPID at migration.
 */
#include "guests/isocpu.h"
#include "guests/lib.h"

#define VA    0x40000000ul /* PDPT slot 1: nothing else maps there */
#define NCPUS 4

static u64 pd[512] __attribute__((aligned(4096)));
static u64 pt[512] __attribute__((aligned(4096)));
static u64 page[2][512] __attribute__((aligned(4096)));

static long test(u64 op, u64 a)
{
	return hc3(HC_TEST, op, a, 0);
}

static void map(u32 which)
{
	pt[0] = (u64)page[which] | 0x3; /* present, writable */
}

u64 guest_main(u64 index, u64 count)
{
	u64 *pdpt = (u64 *)GUEST_PDPT, cr3;
	u32 hops = (u32)(test(ISO_OP_ROLE, 0) >> 8), cur = 0, stale = 0, moved = 0;

	page[0][0] = 0x1111;
	page[1][0] = 0x2222;
	pd[0] = (u64)pt | 0x3;
	map(cur);
	pdpt[1] = (u64)pd | 0x3;
	asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
	for (u32 h = 0; h < hops; h++) {
		u32 to = (u32)(h + 1) % NCPUS;

		test(ISO_OP_HOP, to);
		moved += test(ISO_OP_CPU, 0) == to;
		if (*(volatile u64 *)VA != page[cur][0])
			stale++;
		cur ^= 1;
		map(cur);
		asm volatile("invlpg (%0)" : : "r"(VA) : "memory");
		if (*(volatile u64 *)VA != page[cur][0])
			stale++;
	}
	g_report(!stale && moved == hops, "%u hops (%u seen on their pCPU), %u stale reads", hops,
		 moved, stale);
	return 0;
}
