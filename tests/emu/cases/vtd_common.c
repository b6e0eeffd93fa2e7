#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/pci.h"
#include "arch/x86/trap.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/vtd_common.h"

bool vtdt_setup(struct vtdt_edu *e)
{
	u64 bar;

	irq_enable();
	if (!vtd_ir_enabled()) {
		report_skip("interrupt remapping is off (no IOMMU?)");
		return false;
	}
	if (!pci_find(EDU_VENDOR, EDU_DEVICE, &e->bdf)) {
		report_skip("no edu device (-device edu)");
		return false;
	}
	bar = pci_bar_mem(e->bdf, 0);
	e->mmio = (u32 *)bar;
	report(bar && bar < (4ull << 30) && load_acquire(&e->mmio[EDU_REG_ID / 4]) == 0x010000ed,
	       "edu at %02x:%02x.%u, BAR0 %#lx, id register", e->bdf >> 8, (e->bdf >> 3) & 0x1f,
	       e->bdf & 7, bar);
	return true;
}

void vtdt_count_fn(void *ctx)
{
	struct vtdt_count *c = ctx;

	if (c->ack)
		store_release(&c->ack->mmio[EDU_REG_IRQ_ACK / 4], ~0u);
	fetch_add(&c->per_cpu[pcpu_id()], 1);
}

u64 vtdt_total(const struct vtdt_count *c)
{
	u64 t = 0;

	for (u32 i = 0; i < MAX_CPUS; i++)
		t += load_acquire(&c->per_cpu[i]);
	return t;
}

void vtdt_edu_msi(struct vtdt_edu *e, u32 addr, u16 data)
{
	pci_msi_enable(e->bdf, addr, data);
}

void vtdt_edu_fire(struct vtdt_edu *e)
{
	store_release(&e->mmio[EDU_REG_IRQ_RAISE / 4], 1u);
}

u64 vtdt_wait_u64(const u64 *p, u64 want, u64 budget)
{
	u64 t0 = rdtsc();

	while (load_acquire(p) < want && rdtsc() - t0 < budget)
		cpu_relax();
	return load_acquire(p);
}

u64 vtdt_wait_total(const struct vtdt_count *c, u64 want, u64 budget)
{
	u64 t0 = rdtsc();

	while (vtdt_total(c) < want && rdtsc() - t0 < budget)
		cpu_relax();
	return vtdt_total(c);
}

void vtdt_expect_fault(struct vtdt_edu *e, const struct vtdt_count *c, const char *what, u8 fr,
		       u16 idx)
{
	u64 n0 = vtd_fault_total(), d0 = c ? vtdt_total(c) : 0, u0 = trap_unexpected_count();
	u64 t0 = rdtsc();
	struct vtd_fault f = {0};

	vtdt_edu_fire(e);
	while (vtd_fault_total() == n0 && rdtsc() - t0 < VTDT_LONG)
		cpu_relax();
	/* Give a wrongly delivered interrupt time to show up too. */
	t0 = rdtsc();
	while (rdtsc() - t0 < VTDT_SHORT)
		cpu_relax();
	report(vtd_fault_total() == n0 + 1, "%s: exactly one fault recorded (%lu)", what,
	       vtd_fault_total() - n0);
	if (vtd_fault_get(n0, &f))
		report(f.reason == fr && f.sid == e->bdf && f.index == idx,
		       "%s: FR %#x (%s) sid %#x index %u (want FR %#x sid %#x index %u)", what,
		       f.reason, vtd_fault_reason_name(f.reason), f.sid, f.index, fr, e->bdf, idx);
	else
		report(false, "%s: fault record readable", what);
	report((c ? vtdt_total(c) : 0) == d0 && trap_unexpected_count() == u0,
	       "%s: interrupt not delivered", what);
	store_release(&e->mmio[EDU_REG_IRQ_ACK / 4], ~0u);
}
