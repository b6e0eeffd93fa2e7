/*
 * Queued invalidation (VT-d spec 6.5.2): the only way pihv invalidates the interrupt-entry
 * cache.  Units that remap interrupts always offer it (ECAP.IR implies ECAP.QI, 6.5).
 *
 * Each request is an IEC descriptor followed by a wait descriptor whose status write tells
 * us the unit has processed everything before it (6.5.2.8).  The caller holds u->lock with
 * IRQs off, so requests never interleave and the status value is ours.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vtd_unit.h"
#include "lib/mm.h"
#include "lib/printk.h"

/* About a second at the TSC rates we meet; QEMU completes in microseconds. */
#define VTD_TIMEOUT_TSC (1ull << 31)

bool vtd_wait_gsts(struct vtd_unit *u, u32 mask, u32 want)
{
	u64 t0 = rdtsc();

	while ((vtd_rd32(u, VTD_REG_GSTS) & mask) != want) {
		if (rdtsc() - t0 > VTD_TIMEOUT_TSC)
			return false;
		cpu_relax();
	}
	return true;
}

int vtd_qi_enable(struct vtd_unit *u)
{
	u32 gsts;

	u->iq = page_alloc();
	if (!u->iq)
		return -1;
	u->iq_tail = 0;
	/* 11.4.9.3: IQA is written while QIE is 0; enabling QIE resets IQH to 0.  QS = 0. */
	vtd_wr64(u, VTD_REG_IQT, 0);
	vtd_wr64(u, VTD_REG_IQA, (u64)u->iq);
	gsts = vtd_rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;
	vtd_wr32(u, VTD_REG_GCMD, gsts | VTD_GCMD_QIE);
	if (!vtd_wait_gsts(u, VTD_GSTS_QIES, VTD_GSTS_QIES)) {
		printk("vtd: queued invalidation did not enable (GSTS %#x)\n",
		       vtd_rd32(u, VTD_REG_GSTS));
		return -1;
	}
	return 0;
}

static void qi_push(struct vtd_unit *u, u64 lo, u64 hi)
{
	u64 *d = &u->iq[2 * u->iq_tail];

	d[0] = lo;
	d[1] = hi;
	u->iq_tail = (u->iq_tail + 1) % VTD_IQ_ENTRIES;
}

int vtd_qi_iec(struct vtd_unit *u, bool global, u16 index)
{
	u64 iec = VTD_QI_IEC;
	u32 seq = ++u->wait_seq;
	u64 t0;

	if (!global)
		iec |= VTD_QI_IEC_INDEX | (u64)index << VTD_QI_IEC_IIDX_SHIFT;
	store_relaxed(&u->wait_status, 0);
	qi_push(u, iec, 0);
	/* SW: write seq to &wait_status; FN: no later descriptor starts before this one ends. */
	qi_push(u,
		VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN | (u64)seq << VTD_QI_WAIT_DATA_SHIFT,
		(u64)&u->wait_status);
	/* The descriptors must be in memory before the tail moves (release store on IQT). */
	vtd_wr64(u, VTD_REG_IQT, (u64)u->iq_tail << VTD_IQT_SHIFT);
	t0 = rdtsc();
	while (load_acquire(&u->wait_status) != seq) {
		u32 fsts = vtd_rd32(u, VTD_REG_FSTS);

		if ((fsts & VTD_FSTS_IQE) || rdtsc() - t0 > VTD_TIMEOUT_TSC) {
			printk("vtd: invalidation %s (FSTS %#x IQH %#lx IQT %#lx)\n",
			       (fsts & VTD_FSTS_IQE) ? "rejected" : "timed out", fsts,
			       vtd_rd64(u, VTD_REG_IQH), vtd_rd64(u, VTD_REG_IQT));
			return -1;
		}
		cpu_relax();
	}
	return 0;
}
