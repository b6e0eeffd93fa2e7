/* test=boot and the default demo: bring-up is complete when these run. */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "tests/emu/selftest.h"

static void boot_checks(void)
{
	const struct acpi_info *a = kernel_acpi_info();
	u32 enabled = 0;

	report_prefix_push("boot");
	for (u32 i = 0; i < a->nr_cpus; i++)
		enabled += a->cpus[i].enabled;
	report(read_cr0() & CR0_PG, "long mode with paging");
	report(apic_id() == this_pcpu()->apic_id, "BSP APIC id %u", apic_id());
	report(pcpu_count() >= 1, "%u CPUs online", pcpu_count());
	if (a->nr_cpus)
		report(pcpu_count() <= enabled, "online CPUs %u <= MADT enabled CPUs %u",
		       pcpu_count(), enabled);
	else
		report_skip("no MADT");
	report_prefix_pop();
}
KTEST("boot", boot_checks, "bring-up checks and the banner");

/* What `make run` shows: bring-up, then the mission (demo.c) when this machine has VMX. */
static void demo(void)
{
	boot_checks();
	if (!platform.vmx) {
		report_skip("demo: no VMX on this machine: no guests (run in Bochs or nested KVM)");
		return;
	}
	ktest_find("mission")->fn();
}
KTEST("demo", demo, "default when no test= is given");
