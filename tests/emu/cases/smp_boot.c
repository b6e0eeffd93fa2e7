/*
 * test=smp: every SMP check in one boot (the test list runs it on each configuration);
 * test=smp-online: only the bring-up checks.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/smp.h"
#include "lib/config.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/smp_cases.h"

struct cpu_seen {
	u32 apic_id; /* from the APIC's own ID register */
	bool x2apic; /* IA32_APIC_BASE.EXTD */
	bool irqs_on;
};
static struct cpu_seen seen[MAX_CPUS];

static void probe(void *arg)
{
	struct cpu_seen *s = &seen[pcpu_id()];

	(void)arg;
	s->apic_id = apic_id();
	s->x2apic = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD;
	s->irqs_on = irq_enabled();
}

void smp_case_online(void)
{
	const struct acpi_info *a = kernel_acpi_info();
	u32 enabled = 0, n = pcpu_count();
	const char *lim = kernel_option("smp"); /* only stored when valid: 1..MAX_CPUS */
	u32 want;

	irq_enable(); /* the BSP runs tests with IRQs off; smp_call and timers need them */

	report_prefix_push("online");
	for (u32 i = 0; i < a->nr_cpus; i++)
		enabled += a->cpus[i].enabled;
	want = enabled ? enabled : 1;
	if (want > MAX_CPUS)
		want = MAX_CPUS;
	if (kernel_option_u64("smp", MAX_CPUS) < want)
		want = (u32)kernel_option_u64("smp", MAX_CPUS);
	report(n == want, "%u CPUs online, expected %u (MADT enabled %u, smp=%s)", n, want, enabled,
	       lim ? lim : "-");
	for (u32 c = 0; c < n; c++) {
		report(load_acquire(&pcpu(c)->online) && pcpu(c)->id == c, "cpu %u online", c);
		for (u32 d = 0; d < c; d++)
			if (pcpu(d)->apic_id == pcpu(c)->apic_id)
				report(false, "cpu %u and %u share APIC id %u", d, c,
				       pcpu(c)->apic_id);
	}
	smp_call_all(probe, NULL);
	for (u32 c = 0; c < n; c++) {
		bool in_madt = !a->nr_cpus;
		for (u32 i = 0; i < a->nr_cpus; i++)
			in_madt |= a->cpus[i].enabled && a->cpus[i].apic_id == seen[c].apic_id;
		report(seen[c].apic_id == pcpu(c)->apic_id && in_madt,
		       "cpu %u: APIC id %u (pcpu %u), in the MADT", c, seen[c].apic_id,
		       pcpu(c)->apic_id);
		report(seen[c].x2apic == (apic_mode() == APIC_MODE_X2APIC),
		       "cpu %u: APIC in %s mode like the BSP", c,
		       seen[c].x2apic ? "x2APIC" : "xAPIC");
		report(seen[c].irqs_on, "cpu %u: smp_call runs with IRQs on", c);
	}
	if (n > 1)
		report_info("kernel entry to all online: %lu TSC ticks", smp_bringup_tsc());
	report_prefix_pop();
}

static void smp_online(void)
{
	smp_case_online();
}
KTEST("smp-online", smp_online, "every MADT CPU (up to smp=N) online, x2APIC/xAPIC as the BSP");

static void smp_all(void)
{
	smp_case_online();
	smp_case_paging();
	smp_case_ipi();
	smp_case_timer();
	smp_case_spinlock();
}
KTEST("smp", smp_all, "bring-up, paging, all-pairs IPIs, timers, spinlock stress");
