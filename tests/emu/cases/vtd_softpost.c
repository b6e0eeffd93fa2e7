/*
 * test=vtd-soft-post: the software posting path (docs/vtd.md), end to end on QEMU's IOMMU.  The
 * edu's MSI is remapped to a host vector on CPU 0 (vtd_route_to_host); its handler calls pi_post()
 * for a vCPU whose descriptor is driven through the pi/ states by pi_load/pi_put on CPU 1, as
 * the scheduler would.  QEMU has no VMX, so nobody runs the guest: the test plays the CPU's
 * posted-interrupt processing itself (clear ON, take the PIR) and counts, on CPU 1, the
 * notifications the posts send:
 *   running  (SN=0, NV=NOTIFY):  each MSI -> PIR bit, ON, one NOTIFY interrupt on CPU 1;
 *                                a second MSI while ON is still set -> PIR only, no IPI;
 *   preempted (SN=1):            PIR only, no IPI; pi_has_pending sees it; the next load
 *                                recomputes ON from the PIR (docs/pi.md, known bugs 1, 2, 11);
 *   blocked  (NV=WAKEUP, listed): one WAKEUP interrupt on CPU 1, whose handler wakes the vCPU;
 *   torn down (vtd_irq_free before the descriptor is reused, CVE-2025-37885): fault 0x22, the
 *                                descriptor is not written.
 * The vCPU here is a struct vcpu that no run loop schedules (its entity is parked on no run
 * queue); only its pi/ descriptor, counters and wake are used.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/percpu.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "pi/pi.h"
#include "tests/emu/cases/vtd_common.h"
#include "vm/pi_stats.h"
#include "vm/vcpu.h"

#define VEC_HOST 0x48 /* host vector the IRTE names */
#define GVEC	 0x61 /* guest vector posted into the descriptor */
#define TARGET	 1    /* the pCPU the vCPU is loaded on */

static struct vtdt_edu edu;
/* page-aligned like every vCPU (vm/vcpu.h): its descriptor writes are counted as theirs */
static struct vcpu sp __attribute__((aligned(4096)));
static u64 msis, notified;

/* The host route: what a device-assignment layer would do for its vCPU. */
static void on_msi(void *ctx)
{
	store_release(&edu.mmio[EDU_REG_IRQ_ACK / 4], ~0u);
	if (pi_post(&sp.pi, GVEC))
		fetch_add(&notified, 1);
	fetch_add(&msis, 1);
}

/* Run on TARGET with IRQs off, as the scheduler's switch hooks are. */
static void do_load(void *arg)
{
	unsigned long f = irq_save();

	pi_load(&sp.pi, TARGET);
	irq_restore(f);
}

static void do_put(void *arg)
{
	bool blocking = arg != NULL;
	unsigned long f = irq_save();

	pi_put(&sp.pi, blocking, !blocking, true);
	irq_restore(f);
}

static u64 ctl(void)
{
	return load_acquire(&sp.pi.desc.control);
}

static bool pir_set(void)
{
	return load_acquire(&sp.pi.desc.pir[pi_pir_word(GVEC)]) >> pi_pir_bit(GVEC) & 1;
}

/* The CPU's posted-interrupt processing (SDM Vol. 3C 30.6): clear ON, take the PIR bit. */
static bool consume(void)
{
	u64 *w = &sp.pi.desc.pir[pi_pir_word(GVEC)];

	fetch_and(&sp.pi.desc.control, ~BIT_ULL(PI_CTL_ON_BIT));
	return xchg(w, 0) >> pi_pir_bit(GVEC) & 1;
}

/* One MSI, and the host handler having run: returns false on a timeout. */
static bool fire(void)
{
	u64 n = load_acquire(&msis);

	vtdt_edu_fire(&edu);
	return vtdt_wait_u64(&msis, n + 1, VTDT_LONG) == n + 1;
}

static void running_posts(void)
{
	struct pi_pcpu_stats *t = &pi_pcpu_stats[TARGET];
	u64 nt0 = load_acquire(&t->notify_irqs), taken = 0, fired = 0;

	for (u32 i = 0; i < 8; i++) {
		u64 want = nt0 + i + 1;

		fired += fire();
		vtdt_wait_u64(&t->notify_irqs, want, VTDT_LONG);
		taken += consume();
	}
	report(fired == 8 && load_acquire(&notified) == 8 &&
		       load_acquire(&t->notify_irqs) - nt0 == 8 && taken == 8,
	       "running: 8 MSIs -> %lu posts, %lu notifications, %lu NOTIFY irqs on cpu %u, %lu "
	       "vectors taken from the PIR",
	       fired, notified, load_acquire(&t->notify_irqs) - nt0, TARGET, taken);
	/* two before the "CPU" looks: the second finds ON set and sends nothing (bug 16) */
	fire();
	fire();
	vtdt_wait_u64(&t->notify_irqs, nt0 + 10, VTDT_SHORT);
	report(load_acquire(&notified) == 9 && load_acquire(&t->notify_irqs) - nt0 == 9 &&
		       pi_ctl_on(ctl()) && consume(),
	       "running, ON still set: 2 MSIs -> 1 notification, one PIR bit");
}

static void preempted_posts(void)
{
	struct pi_pcpu_stats *t = &pi_pcpu_stats[TARGET];
	u64 nt0, n0;

	smp_call(TARGET, do_put, NULL);
	nt0 = load_acquire(&t->notify_irqs);
	n0 = load_acquire(&notified);
	report(pi_ctl_sn(ctl()), "preempted: SN=1");
	report(fire() && fire(), "2 MSIs posted while preempted");
	vtdt_wait_u64(&t->notify_irqs, nt0 + 1, VTDT_SHORT);
	report(load_acquire(&notified) == n0 && load_acquire(&t->notify_irqs) == nt0 &&
		       !pi_ctl_on(ctl()) && pir_set() && pi_has_pending(&sp.pi),
	       "SN=1: PIR set, ON clear, 0 notifications, pi_has_pending");
	smp_call(TARGET, do_load, NULL);
	report(!pi_ctl_sn(ctl()) && pi_ctl_on(ctl()) && consume(),
	       "loaded again: SN=0 and ON recomputed from the PIR (bug 1)");
}

static void blocked_post(void)
{
	struct pi_pcpu_stats *t = &pi_pcpu_stats[TARGET];
	u64 wk0, w0;

	/* the scheduler's part: the vCPU is blocked on TARGET's run queue, on no list */
	sp.se.cpu = TARGET;
	sp.se.state = SE_BLOCKED;
	smp_call(TARGET, do_put, &sp);
	report(pi_ctl_nv(ctl()) == PI_WAKEUP_VECTOR && !pi_ctl_sn(ctl()) &&
		       pi_ctl_ndst(ctl()) == pcpu(TARGET)->apic_id,
	       "blocked: NV=WAKEUP, SN=0, NDST=apic %u", pcpu(TARGET)->apic_id);
	wk0 = load_acquire(&t->wakeup_irqs);
	w0 = load_acquire(&sp.st.pi_wakes);
	report(fire(), "1 MSI posted while blocked");
	vtdt_wait_u64(&sp.st.pi_wakes, w0 + 1, VTDT_LONG);
	report(load_acquire(&t->wakeup_irqs) - wk0 == 1 &&
		       load_acquire(&sp.st.pi_wakes) - w0 == 1 && sp.se.state == SE_RUNNABLE,
	       "WAKEUP irq on cpu %u: %lu, vCPU woken %lu time(s)", TARGET,
	       load_acquire(&t->wakeup_irqs) - wk0, load_acquire(&sp.st.pi_wakes) - w0);
	sched_kill(&sp.se); /* off TARGET's run queue again: no run loop will pick it */
	smp_call(TARGET, do_load, NULL);
	report(pi_ctl_nv(ctl()) == PI_NOTIFY_VECTOR && list_empty(&sp.pi.wakeup_link) && consume(),
	       "loaded: NV=NOTIFY again, off the wakeup list, the vector in the PIR");
}

static void vtd_soft_post(void)
{
	struct vtd_irq irq;
	u64 f0;

	if (!vtdt_setup(&edu))
		return;
	if (pcpu_count() <= TARGET) {
		report_skip("needs %u CPUs, %u online", TARGET + 1, pcpu_count());
		return;
	}
	sched_entity_init(&sp.se, "softpost", NULL);
	sp.se.state = SE_DEAD; /* enabling posting kicks the vCPU: nothing to wake yet */
	pi_vcpu_init(&sp.pi, TARGET);
	pi_enable_posting(&sp.pi);
	smp_call(TARGET, do_load, NULL);
	f0 = vtd_fault_total();
	report(vtd_irq_alloc_pci(&irq, edu.bdf) == 0 &&
		       vtd_route_to_host(&irq, VEC_HOST, 0, on_msi, NULL) == 0,
	       "edu -> IRTE %u -> vector %#x on cpu 0 -> pi_post(vector %#x)", irq.index, VEC_HOST,
	       GVEC);
	vtdt_edu_msi(&edu, vtd_irq_msi_addr(&irq), 0);

	running_posts();
	preempted_posts();
	blocked_post();
	report(vtd_fault_total() == f0, "no VT-d faults so far");

	/* Teardown: the IRTE goes first, then the descriptor may be reused. */
	vtd_irq_free(&irq);
	vtdt_edu_fire(&edu);
	vtdt_wait_u64(&msis, msis + 1, VTDT_SHORT);
	report(vtd_fault_count(0x22) >= 1 && !pir_set() && !pi_ctl_on(ctl()),
	       "after vtd_irq_free: MSI faults (0x22), the descriptor is not written");
	smp_call(TARGET, do_put, NULL);
}
KTEST("vtd-soft-post", vtd_soft_post, "edu MSI -> IRTE -> host -> pi_post: running, SN, WAKEUP");
