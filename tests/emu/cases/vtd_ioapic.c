/*
 * test=vtd-ioapic: an IOAPIC-routed interrupt through the IRT (docs/emulators.md §6.5).  The PIT
 * in mode 0 gives one rising edge on ISA IRQ 0 -> GSI 2 (MADT override).  The RTE is in
 * remappable format, so the vector and CPU come from the IRTE: delivered, counted exactly,
 * retargeted by rewriting only the IRTE, and faulted (0x22) once the IRTE is freed.
 * QEMU's IOAPIC sends without a requester id, so faults carry SID 0xffff and the IRTE's
 * SVT/SID (0xff00 from the DMAR scope) is not checked by QEMU; real hardware checks it.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/vtd_common.h"

#define VEC_PIT 0x50
#define PIT_CMD 0x43
#define PIT_CH0 0x40
#define PIT_1MS 1193 /* 1.193182 MHz input clock */

static struct vtdt_count cnt;

/* 8254 mode 0: OUT goes low at the command, high at terminal count: one edge. */
static void pit_one_shot(void)
{
	outb(PIT_CMD, 0x30); /* channel 0, lo/hi byte, mode 0, binary */
	outb(PIT_CH0, PIT_1MS & 0xff);
	outb(PIT_CH0, PIT_1MS >> 8);
}

static u64 shots(u32 n)
{
	u64 base = vtdt_total(&cnt);

	for (u32 i = 0; i < n; i++) {
		pit_one_shot();
		if (vtdt_wait_total(&cnt, base + i + 1, VTDT_LONG) != base + i + 1)
			break;
	}
	vtdt_wait_total(&cnt, base + n + 1, VTDT_SHORT);
	return vtdt_total(&cnt) - base;
}

static void vtd_ioapic(void)
{
	struct vtd_irq irq;
	bool level, low;
	u32 gsi = ioapic_isa_gsi(0, &level, &low);
	u8 id;
	u64 n, rte, f0, t0;
	struct vtd_fault f;
	int r;

	irq_enable();
	if (!vtd_ir_enabled() || !ioapic_count()) {
		report_skip("no interrupt remapping or no IOAPIC");
		return;
	}
	bool owned = ioapic_owner(gsi, &id);

	report(owned, "ISA IRQ 0 -> GSI %u (%s, %s) on IOAPIC %u", gsi, level ? "level" : "edge",
	       low ? "active low" : "active high", id);
	r = vtd_irq_alloc_ioapic(&irq, id);
	report(r == 0, "IRTE %u for IOAPIC %u, source-id %#x", irq.index, id, irq.sid);
	if (r)
		return;
	/* Stop the firmware's periodic PIT before the pin opens; drop a stale edge. */
	pit_one_shot();
	report(vtd_route_to_host(&irq, VEC_PIT, 0, vtdt_count_fn, &cnt) == 0 &&
		       ioapic_route_remapped(gsi, &irq, level, low) == 0,
	       "GSI %u routed through IRTE %u to vector %#x", gsi, irq.index, VEC_PIT);
	rte = ioapic_read_rte(gsi);
	report((rte & IOAPIC_RTE_REMAP_FORMAT) && !(rte & IOAPIC_RTE_MASKED) &&
		       (rte >> 49) == (irq.index & 0x7fff) && (u8)rte == VEC_PIT,
	       "RTE %016lx: remappable format, handle %u, unmasked", rte, irq.index);
	vtdt_wait_total(&cnt, ~0ull, VTDT_SHORT);
	for (u32 i = 0; i < MAX_CPUS; i++)
		store_release(&cnt.per_cpu[i], 0);

	n = shots(4);
	report(n == 4 && load_acquire(&cnt.per_cpu[0]) == 4, "4 PIT edges -> %lu on cpu 0", n);
	if (pcpu_count() > 1) {
		u32 t = pcpu_count() - 1;

		report(vtd_irq_route(&irq, VEC_PIT, t, false) == 0, "IRTE retargeted to cpu %u", t);
		n = shots(3);
		report(n == 3 && load_acquire(&cnt.per_cpu[t]) == 3, "3 PIT edges -> %lu on cpu %u",
		       n, t);
	} else {
		report_skip("IOAPIC retarget: one CPU");
	}

	/* Freed IRTE: the pin still names the handle; the unit must refuse it. */
	f0 = vtd_fault_total();
	n = vtdt_total(&cnt);
	vtd_irq_free(&irq);
	pit_one_shot();
	t0 = rdtsc();
	while (vtd_fault_total() == f0 && rdtsc() - t0 < VTDT_LONG)
		cpu_relax();
	vtdt_wait_total(&cnt, n + 1, VTDT_SHORT);
	f = (struct vtd_fault){0};
	r = vtd_fault_get(f0, &f);
	report(r && f.reason == 0x22 && f.index == irq.index && vtdt_total(&cnt) == n,
	       "after free: not delivered, FR %#x index %u sid %#x", f.reason, f.index, f.sid);
	if (f.sid == 0xffff)
		report_info(
			"QEMU's IOAPIC has no requester id (sid 0xffff, docs/emulators.md §6.5)");
	ioapic_mask(gsi);
}
KTEST("vtd-ioapic", vtd_ioapic, "PIT IRQ0 -> GSI 2 through a remappable RTE and an IRTE");
