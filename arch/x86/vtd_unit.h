/* Private to arch/x86/vtd*.c: one remapping unit's state and register access. */
#ifndef ARCH_X86_VTD_UNIT_H
#define ARCH_X86_VTD_UNIT_H

#include "arch/x86/dmar.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/vtd_irte.h"
#include "arch/x86/vtd_regs.h"
#include "lib/types.h"

struct vtd_unit {
	u8 *regs; /* MMIO, identity-mapped (uncached top GiB) */
	const struct dmar_unit *dmar;
	u32 ver;
	u64 cap, ecap;
	u32 fro, nfr;
	bool eime;    /* IRTA.EIME: 32-bit x2APIC destinations in IRTEs */
	bool enabled; /* GSTS.IRES seen set by us */
	/*
	 * Protects irt, irt_used, iq, iq_tail and wait_status.  IRQ-safe: IRTEs may be changed
	 * from interrupt context (PI teardown), and a CPU holding it must not be interrupted by
	 * a handler that waits for the queue.
	 */
	struct spinlock lock;
	struct vtd_irte *irt; /* VTD_IRT_ENTRIES, page-aligned */
	u64 irt_used[VTD_IRT_ENTRIES / 64];
	u64 *iq;	 /* invalidation queue: VTD_IQ_ENTRIES 128-bit descriptors */
	u32 iq_tail;	 /* next free descriptor index */
	u32 wait_status; /* written by the unit on wait-descriptor completion */
	u32 wait_seq;	 /* last status value queued */
};

extern struct vtd_unit vtd_units[DMAR_MAX_UNITS];
extern u32 vtd_nr_units;

static inline u32 vtd_rd32(const struct vtd_unit *u, u32 off)
{
	return __atomic_load_n((u32 *)(u->regs + off), __ATOMIC_RELAXED);
}
static inline u64 vtd_rd64(const struct vtd_unit *u, u32 off)
{
	return __atomic_load_n((u64 *)(u->regs + off), __ATOMIC_RELAXED);
}
static inline void vtd_wr32(struct vtd_unit *u, u32 off, u32 v)
{
	__atomic_store_n((u32 *)(u->regs + off), v, __ATOMIC_RELEASE);
}
static inline void vtd_wr64(struct vtd_unit *u, u32 off, u64 v)
{
	__atomic_store_n((u64 *)(u->regs + off), v, __ATOMIC_RELEASE);
}

/* vtd_qi.c: queue an IEC invalidation (index, or all entries when global) and wait for it. */
int vtd_qi_enable(struct vtd_unit *u);
int vtd_qi_iec(struct vtd_unit *u, bool global, u16 index);
/* vtd_fault.c */
void vtd_fault_setup(struct vtd_unit *u, u32 unit_idx);
/* vtd_irq.c: store e at index, then invalidate that index and wait.  @pre u->lock held. */
int vtd_irte_commit(struct vtd_unit *u, u16 index, struct vtd_irte e);
/* Polls until (GSTS & mask) == want; false on timeout. */
bool vtd_wait_gsts(struct vtd_unit *u, u32 mask, u32 want);

#endif
