/*
 * test=vtd-faults: the edu aims at IRTEs it must not use.  Each case: the interrupt is not
 * delivered, exactly one fault is recorded with the expected reason (VT-d spec 7.1.3), the
 * edu's source-id and the interrupt index, and pihv keeps running (a valid MSI afterwards
 * still arrives).  With NFR = 1 on QEMU this also proves the handler clears F after each
 * fault: QEMU would silently drop ("compress") a second fault from the same source.
 *
 * test=vtd-teardown: vtd_irq_free() makes the entry not present before it returns, and the
 * posted format is refused on a unit without CAP.PI.
 */
#include "tests/emu/vtd_poke.h"
#include "arch/x86/atomic.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/vtd_common.h"

#define VEC_OK	  0x42
#define VEC_OTHER 0x43

static struct vtdt_edu edu;
static struct vtdt_count cnt = {.ack = &edu}, other = {.ack = &edu};

static void expect_delivered(struct vtd_irq *irq, const char *what)
{
	u64 n0 = vtdt_total(&cnt);

	vtdt_edu_msi(&edu, vtd_irq_msi_addr(irq), 0);
	vtdt_edu_fire(&edu);
	report(vtdt_wait_total(&cnt, n0 + 1, VTDT_LONG) == n0 + 1, "%s: valid MSI delivered", what);
}

static void vtd_faults(void)
{
	struct vtd_irq ok, np, foreign, rsvd;
	struct vtd_irte e;
	int r;

	if (!vtdt_setup(&edu))
		return;
	report(vtd_irq_alloc_pci(&ok, edu.bdf) == 0 &&
		       vtd_route_to_host(&ok, VEC_OK, 0, vtdt_count_fn, &cnt) == 0,
	       "edu's own IRTE routed to vector %#x", VEC_OK);
	expect_delivered(&ok, "before");

	/* 0x22: allocated, never routed: P = 0 */
	report(vtd_irq_alloc_pci(&np, edu.bdf) == 0, "second IRTE allocated, left not present");
	vtdt_edu_msi(&edu, vtd_irq_msi_addr(&np), 0);
	vtdt_expect_fault(&edu, &cnt, "not present", 0x22, np.index);

	/* 0x26: another function's entry (00:02.0), valid for it, used by the edu */
	r = vtd_irq_alloc_pci(&foreign, 0x0010);
	r = r ?: vtd_route_to_host(&foreign, VEC_OTHER, 0, vtdt_count_fn, &other);
	report(r == 0, "IRTE %u routed for sid 0x10", foreign.index);
	vtdt_edu_msi(&edu, vtd_irq_msi_addr(&foreign), 0);
	vtdt_expect_fault(&edu, &other, "wrong source-id", 0x26, foreign.index);

	/* 0x21: handle 300, the table has 256 entries (IRTA.S = 7) */
	vtdt_edu_msi(&edu, vtd_msi_addr(300, false), 0);
	vtdt_expect_fault(&edu, &cnt, "index past the table", 0x21, 300);

	/* 0x24: a reserved bit (lo bit 12, 9.10) in an otherwise valid entry for the edu */
	r = vtd_irq_alloc_pci(&rsvd, edu.bdf);
	report(r == 0, "IRTE %u for the reserved-bit case", rsvd.index);
	e = vtd_irte_remapped(VEC_OK, 0, vtd_unit_eime(0), false, edu.bdf, IRTE_SVT_SID,
			      IRTE_SQ_ALL);
	e.lo |= BIT_ULL(12);
	vtd_test_irte_set(rsvd.unit, rsvd.index, e);
	vtdt_edu_msi(&edu, vtd_irq_msi_addr(&rsvd), 0);
	vtdt_expect_fault(&edu, &cnt, "reserved bit 12 set", 0x24, rsvd.index);
	/* 0x24 again, from the high half: bit 84 (hi bit 20) */
	e.lo &= ~BIT_ULL(12);
	e.hi |= BIT_ULL(20);
	vtd_test_irte_set(rsvd.unit, rsvd.index, e);
	vtdt_expect_fault(&edu, &cnt, "reserved bit 84 set", 0x24, rsvd.index);

	report(vtd_fault_count(0x21) >= 1 && vtd_fault_count(0x22) >= 1 &&
		       vtd_fault_count(0x24) >= 2 && vtd_fault_count(0x26) >= 1,
	       "per-reason counters: 0x21=%lu 0x22=%lu 0x24=%lu 0x26=%lu", vtd_fault_count(0x21),
	       vtd_fault_count(0x22), vtd_fault_count(0x24), vtd_fault_count(0x26));
	expect_delivered(&ok, "after the faults");
	vtd_test_irte_set(rsvd.unit, rsvd.index, (struct vtd_irte){0, 0});
	vtd_irq_free(&rsvd);
	vtd_irq_free(&foreign);
	vtd_irq_free(&np);
	vtd_irq_free(&ok);
}
KTEST("vtd-faults", vtd_faults, "IRTE not present / wrong sid / past table / reserved bits");

static void vtd_teardown(void)
{
	struct vtd_irq irq;
	u16 idx;
	int r;

	if (!vtdt_setup(&edu))
		return;
	report(vtd_irq_alloc_pci(&irq, edu.bdf) == 0 &&
		       vtd_route_to_host(&irq, VEC_OK, 0, vtdt_count_fn, &cnt) == 0,
	       "edu routed to vector %#x", VEC_OK);
	expect_delivered(&irq, "routed");

	/* Posted format: only with CAP.PI.  QEMU has none: refused, entry unchanged. */
	r = vtd_irq_post(&irq, 0x100000, 0x31, false);
	if (vtd_unit_has_pi(irq.unit)) {
		report(r == 0, "posted IRTE written (CAP.PI=1)");
		report(vtd_irq_route(&irq, VEC_OK, 0, false) == 0, "back to host control");
	} else {
		report(r == VTD_ERR_NOPI, "posted format refused without CAP.PI (%d)", r);
	}
	expect_delivered(&irq, "still remapped");

	/* Free: the entry is not present (and invalidated) when the call returns. */
	idx = irq.index;
	vtd_irq_free(&irq);
	report(!irq.allocated, "freed");
	vtdt_expect_fault(&edu, &cnt, "MSI after free", 0x22, idx);
	report(vtd_irq_route(&irq, VEC_OK, 0, false) == VTD_ERR_OFF,
	       "freed handle cannot be routed");
}
KTEST("vtd-teardown", vtd_teardown, "free = not present before return; posted needs CAP.PI");
