/*
 * VT-d fault reporting (VT-d spec 7.1 "Fault Logging", 7.1.3 interrupt-remapping fault
 * conditions, 11.4.14 fault recording registers).  Primary fault logging only: each fault
 * fills a recording register (F = 1) and raises the fault event, an MSI programmed in
 * FEDATA/FEADDR that is never itself remapped (5.1.6).  The handler decodes, counts and
 * clears every record.  It must clear F: a unit with one record (QEMU: NFR = 1) drops, and
 * QEMU even "compresses" away, every later fault from the same source while F is set.
 */
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/trap.h"
#include "arch/x86/vtd.h"
#include "arch/x86/vtd_unit.h"
#include "lib/config.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"

#define FAULT_LOG 32 /* power of two */

/*
 * Written only by the fault handler, which runs on one CPU (the BSP: FEADDR) with IRQs off;
 * readers (tests) poll fault_total with acquire, then read the slot it published.
 */
static struct vtd_fault fault_log[FAULT_LOG];
static u64 fault_total;
static u64 fault_counts[256];

static const char *const ir_reasons[] = {
	[0x20 - 0x20] = "reserved field set in the interrupt request",
	[0x21 - 0x20] = "interrupt index exceeds the IRT size",
	[0x22 - 0x20] = "IRTE not present",
	[0x23 - 0x20] = "IRT access failed",
	[0x24 - 0x20] = "reserved field set in the IRTE",
	[0x25 - 0x20] = "compatibility-format interrupt blocked",
	[0x26 - 0x20] = "source-id check failed",
	[0x27 - 0x20] = "posted-interrupt descriptor access failed",
	[0x28 - 0x20] = "reserved field set in the posted-interrupt descriptor",
};

const char *vtd_fault_reason_name(u8 reason)
{
	if (reason >= 0x20 && reason - 0x20 < (int)(sizeof(ir_reasons) / sizeof(ir_reasons[0])))
		return ir_reasons[reason - 0x20];
	return reason < 0x20 ? "DMA-remapping fault" : "unknown fault reason";
}

u64 vtd_fault_total(void)
{
	return load_acquire(&fault_total);
}

u64 vtd_fault_count(u8 reason)
{
	return load_acquire(&fault_counts[reason]);
}

bool vtd_fault_get(u64 n, struct vtd_fault *out)
{
	u64 total = load_acquire(&fault_total);

	if (n >= total || total - n > FAULT_LOG)
		return false;
	*out = fault_log[n % FAULT_LOG];
	return true;
}

static void record(u32 unit, u64 lo, u64 hi)
{
	u64 n = load_relaxed(&fault_total);
	struct vtd_fault *f = &fault_log[n % FAULT_LOG];

	f->unit = (u8)unit;
	f->reason = VTD_FRCD_HI_FR(hi);
	f->sid = VTD_FRCD_HI_SID(hi);
	f->index = VTD_FRCD_LO_IDX(lo);
	f->cpu = pcpu_id();
	fetch_add(&fault_counts[f->reason], 1);
	store_release(&fault_total, n + 1);
	printk("vtd: fault unit %u FR %#x (%s) sid %02x:%02x.%u index %u\n", unit, f->reason,
	       vtd_fault_reason_name(f->reason), f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7,
	       f->index);
}

/* 7.1.2: walk the records from FRI, clearing F on each one that is set. */
static void unit_faults(struct vtd_unit *u, u32 unit)
{
	u32 fsts = vtd_rd32(u, VTD_REG_FSTS);
	u32 i = VTD_FSTS_FRI(fsts) % u->nfr;

	for (u32 n = 0; n < u->nfr; n++, i = (i + 1) % u->nfr) {
		u32 off = u->fro + 16 * i;
		u64 hi = vtd_rd64(u, off + 8);

		if (!(hi & VTD_FRCD_HI_F))
			continue;
		record(unit, vtd_rd64(u, off), hi);
		vtd_wr32(u, off + 12, VTD_FRCD_F_DWORD);
	}
	if (fsts & VTD_FSTS_PFO) {
		printk("vtd: unit %u: fault records overflowed (faults lost)\n", unit);
		vtd_wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
	}
	/* IQE/ICE/ITE stay set for vtd_qi.c, which reports them to the waiting caller. */
}

static void on_fault_event(struct trap_frame *f)
{
	(void)f;
	for (u32 i = 0; i < vtd_nr_units; i++)
		if (vtd_units[i].regs)
			unit_faults(&vtd_units[i], i);
}

/*
 * 11.4.6.2-11.4.6.5: the fault event goes to the BSP as a compatibility-format MSI (not
 * remapped: fault events bypass the IRT).  FEUADDR carries destination bits 31:8 for x2APIC.
 */
void vtd_fault_setup(struct vtd_unit *u, u32 unit_idx)
{
	u32 dest = pcpu(0)->apic_id;

	trap_register(VEC_VTD_FAULT, on_fault_event);
	vtd_wr32(u, VTD_REG_FECTL, VTD_FECTL_IM);
	/* Records left by firmware: report them, then clear (F is RW1C). */
	unit_faults(u, unit_idx);
	vtd_wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
	vtd_wr32(u, VTD_REG_FEDATA, VEC_VTD_FAULT);
	vtd_wr32(u, VTD_REG_FEADDR, 0xfee00000u | (dest & 0xff) << 12);
	vtd_wr32(u, VTD_REG_FEUADDR, (u->ecap & VTD_ECAP_EIM) ? (dest & 0xffffff00u) : 0);
	vtd_wr32(u, VTD_REG_FECTL, 0);
}
