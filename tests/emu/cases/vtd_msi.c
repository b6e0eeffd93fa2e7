/*
 * test=vtd-msi: the edu's MSI in remappable format, through an IRTE pihv wrote: delivered to
 * the chosen CPU and vector, counted exactly; then the same device retargeted to a new
 * vector and to another CPU by rewriting only the IRTE (the device is not touched), and back
 * by a host affinity change, which must leave a posted-format entry alone (docs/pi.md, known
 * bug 13).
 */
#include "tests/emu/vtd_poke.h"
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/vtd_common.h"

#define VEC_A 0x40
#define VEC_B 0x41

static struct vtdt_edu edu;
static struct vtdt_count cnt_a = {.ack = &edu}, cnt_b = {.ack = &edu};

/* Fires n MSIs one at a time; each must arrive before the next (no coalescing). */
static u64 fire_n(struct vtdt_count *c, u32 n)
{
	u64 base = vtdt_total(c);

	for (u32 i = 0; i < n; i++) {
		vtdt_edu_fire(&edu);
		if (vtdt_wait_total(c, base + i + 1, VTDT_LONG) != base + i + 1)
			break;
	}
	/* and nothing more */
	vtdt_wait_total(c, base + n + 1, VTDT_SHORT);
	return vtdt_total(c) - base;
}

/*
 * Known bug 13 (docs/pi.md): a host affinity change must not clobber a posted entry.  QEMU has no
 * CAP.PI (vtd_irq_post refuses), so the posted entry is stored directly; the device is never
 * fired at it (QEMU ignores IM): what is checked is that vtd_irq_set_affinity leaves the
 * entry bit for bit as it was and only remembers the CPU.
 */
static void affinity_keeps_posted(struct vtdt_edu *e, u32 cpu)
{
	static u64 desc[8] __attribute__((aligned(64)));
	struct vtd_irq p;
	struct vtd_irte pe, after;

	if (vtd_irq_alloc_pci(&p, e->bdf) != 0) {
		report(false, "second IRTE allocated");
		return;
	}
	pe = vtd_irte_posted(0x31, (u64)desc, false, p.sid, IRTE_SVT_SID, IRTE_SQ_ALL);
	report(vtd_test_irte_set(p.unit, p.index, pe) == 0, "posted-format entry at index %u",
	       p.index);
	report(vtd_irq_set_affinity(&p, cpu) == 0 && p.cpu == cpu, "affinity of it set to cpu %u",
	       cpu);
	after = vtd_test_irte_get(p.unit, p.index);
	report(after.lo == pe.lo && after.hi == pe.hi,
	       "posted entry untouched by the affinity change (%#lx %#lx)", after.hi, after.lo);
	vtd_test_irte_set(p.unit, p.index, (struct vtd_irte){0, 0});
	vtd_irq_free(&p);
}

static void vtd_msi(void)
{
	struct vtd_irq irq;
	u64 faults0;
	u64 n;
	int r;

	if (!vtdt_setup(&edu))
		return;
	faults0 = vtd_fault_total();
	report(vtd_unit_eime(0) == (apic_mode() == APIC_MODE_X2APIC), "IRTA.EIME=%u with apic=%s",
	       vtd_unit_eime(0), apic_mode_name());
	r = vtd_irq_alloc_pci(&irq, edu.bdf);
	report(r == 0, "IRTE allocated for sid %#x: index %u", edu.bdf, irq.index);
	report(vtd_route_to_host(&irq, VEC_A, 0, vtdt_count_fn, &cnt_a) == 0,
	       "routed to cpu 0 vector %#x", VEC_A);
	vtdt_edu_msi(&edu, vtd_irq_msi_addr(&irq), 0);
	report_info("MSI address %#x (handle %u, remappable format)", vtd_irq_msi_addr(&irq),
		    irq.index);

	n = fire_n(&cnt_a, 8);
	report(n == 8 && load_acquire(&cnt_a.per_cpu[0]) == 8,
	       "8 MSIs -> %lu on vector %#x, %lu of them on cpu 0", n, VEC_A,
	       load_acquire(&cnt_a.per_cpu[0]));

	/* New vector: only the IRTE changes. */
	report(vtd_route_to_host(&irq, VEC_B, 0, vtdt_count_fn, &cnt_b) == 0,
	       "IRTE rewritten to vector %#x", VEC_B);
	n = fire_n(&cnt_b, 5);
	report(n == 5 && vtdt_total(&cnt_a) == 8, "5 MSIs -> %lu on vector %#x, none on %#x", n,
	       VEC_B, VEC_A);
	/* the old vector was released with the move: another source may route to it */
	struct vtd_irq other;
	static struct vtdt_count cnt_other;
	report(vtd_irq_alloc_pci(&other, edu.bdf) == 0 &&
		       vtd_route_to_host(&other, VEC_A, 0, vtdt_count_fn, &cnt_other) == 0,
	       "vector %#x free again after the move: routed for another entry", VEC_A);
	vtd_irq_free(&other);

	/* Another CPU. */
	if (pcpu_count() < 2) {
		report_skip("retarget to another CPU: only %u CPU online", pcpu_count());
	} else {
		u32 t = pcpu_count() - 1;

		report(vtd_irq_route(&irq, VEC_B, t, false) == 0,
		       "IRTE retargeted to cpu %u (apic %u)", t, pcpu(t)->apic_id);
		n = fire_n(&cnt_b, 6);
		report(n == 6 && load_acquire(&cnt_b.per_cpu[t]) == 6,
		       "6 MSIs -> %lu, %lu of them on cpu %u", n, load_acquire(&cnt_b.per_cpu[t]),
		       t);
		/* a host affinity change: only the destination of the entry moves */
		report(vtd_irq_set_affinity(&irq, 0) == 0 && irq.cpu == 0 &&
			       vtd_irte_vector(vtd_test_irte_get(irq.unit, irq.index)) == VEC_B,
		       "affinity back to cpu 0, vector %#x kept", VEC_B);
		n = fire_n(&cnt_b, 2);
		report(n == 2 && load_acquire(&cnt_b.per_cpu[0]) == 7, "2 MSIs -> %lu on cpu 0", n);
		affinity_keeps_posted(&edu, t);
	}
	report(vtd_fault_total() == faults0, "no VT-d faults (%lu)", vtd_fault_total() - faults0);
	vtd_irq_free(&irq);
}
KTEST("vtd-msi", vtd_msi, "edu MSI remapped: counted, new vector, other CPU");
