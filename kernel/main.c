/*
 * kernel_main(): the BSP's init order lives here and only here.  Each step says what it needs
 * from the steps before it.  Bad boot input is reported and survived where that is safe.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/pic.h"
#include "arch/x86/power.h"
#include "arch/x86/serial.h"
#include "lib/boot_info.h"
#include "boot/multiboot2.h"
#include "kernel/cmdline.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/mm.h"
#include "lib/panic.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "lib/test_seam.h"
#include "lib/string.h"

#define MB2_BOOT_MAGIC 0x36d76289 /* Multiboot2 spec 3.3: EAX at entry */
#define MB1_BOOT_MAGIC 0x2badb002

static struct boot_info bi;
static struct acpi_info acpi;
static struct cmdline cmdline;
struct platform platform;

static void cpu_setup(void)
{
	/* Every bit we rely on, set explicitly: EFI and BIOS hand over different CR4s. */
	write_cr4(CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

static void parse_boot_info(u32 magic, u32 mbi)
{
	int r;

	if (magic == MB2_BOOT_MAGIC) {
		r = mb2_parse((const void *)(u64)mbi, &bi);
	} else if (magic == MB1_BOOT_MAGIC) {
		r = mb1_parse((const void *)(u64)mbi, &bi);
	} else {
		panic("unknown boot loader magic %#x (need multiboot2 %#x or multiboot1 %#x)",
		      magic, MB2_BOOT_MAGIC, MB1_BOOT_MAGIC);
	}
	for (u32 i = 0; i < bi.nr_errors; i++)
		printk("boot: bad boot information: %s\n", bi.errors[i]);
	if (bi.errors_dropped)
		printk("boot: ... and %u more problems\n", bi.errors_dropped);
	if (r < 0)
		panic("boot information unusable (loader magic %#x, info at %#x)", magic, mbi);
	printk("boot: %s%s, cmdline '%s', %u memory map entries, %u modules\n",
	       bi.loader == BOOT_LOADER_MB2 ? "multiboot2" : "multiboot1", bi.efi ? " (EFI)" : "",
	       bi.cmdline, bi.nr_mmap, bi.nr_modules);
}

static void parse_acpi(void)
{
	u64 rsdp = bi.rsdp;

	if (!rsdp) {
		rsdp = acpi_find_rsdp_legacy(acpi_map_identity, NULL);
		if (rsdp)
			printk("acpi: RSDP found by legacy scan at %#lx\n", rsdp);
	}
	if (!rsdp) {
		printk("acpi: no RSDP (no multiboot2 ACPI tag, none in EBDA/BIOS area): "
		       "running on the boot CPU only\n");
		return;
	}
	acpi_parse(rsdp, acpi_map_identity, NULL, &acpi);
	for (u32 i = 0; i < acpi.nr_errors; i++)
		printk("acpi: %s\n", acpi.errors[i]);
	if (acpi.errors_dropped)
		printk("acpi: ... and %u more problems\n", acpi.errors_dropped);
	printk("acpi: %u tables, %u CPUs in MADT, %u IOAPICs, FADT %s, DMAR %s\n", acpi.nr_tables,
	       acpi.nr_cpus, acpi.nr_ioapics, acpi.has_fadt ? "yes" : "no",
	       acpi.dmar_addr ? "yes" : "no");
	if (acpi.has_fadt)
		power_set_pm1((u16)acpi.pm1a_cnt, (u16)acpi.pm1b_cnt);
}

static void print_banner(void)
{
	printk("pihv: ready cpus=%u apic=%s vmx=%s pi=%s vtd=%s\n", pcpu_count(), apic_mode_name(),
	       platform.vmx ? "on" : "off", platform.pi ? "on" : "off",
	       platform.vtd_ir ? "ir" : "off");
}

const struct boot_info *kernel_boot_info(void)
{
	return &bi;
}

const struct acpi_info *kernel_acpi_info(void)
{
	return &acpi;
}

const char *kernel_option(const char *key)
{
	return cmdline_get(&cmdline, key);
}

u64 kernel_option_u64(const char *key, u64 def)
{
	u64 v = def;

	cmdline_get_u64(&cmdline, key, &v);
	return v;
}

void kernel_main(u32 magic, u32 mbi)
{
	/* 1. GS, GDT/TSS and IDT first: everything after may print or fault. */
	idt_init();
	pcpu_init(0, 0);
	serial_init();
	cpu_setup();
	pic_disable();
	printk("\npihv: booting\n");

	/* 2. What the loader told us, and our command line. */
	parse_boot_info(magic, mbi);
	cmdline_init(&cmdline);
	cmdline_register(&cmdline, "apic");
	cmdline_register(&cmdline, "spec"); /* arch/x86/spec.c: auto or all */
	/* trace/trace.c: what to record, records per pCPU, one VM exit in N */
	cmdline_register(&cmdline, "trace");
	cmdline_register(&cmdline, "trace_buf");
	cmdline_register(&cmdline, "trace_exits");
	cmdline_parse(bi.cmdline, &cmdline);
	for (u32 i = 0; i < cmdline.nr_errors; i++)
		printk("cmdline: %s\n", cmdline.errors[i]); /* each says what was ignored */
	if (cmdline.errors_dropped)
		printk("cmdline: ... and %u more problems (ignored)\n", cmdline.errors_dropped);

	mm_init(&bi);

	/* 3. ACPI: CPUs, IOAPICs, power-off port, DMAR. */
	parse_acpi();

	/* 4. Local APIC of the BSP. */
	const char *apic_opt = kernel_option("apic");
	apic_choose_mode(!(apic_opt && !strcmp(apic_opt, "xapic")));
	apic_init_cpu();
	this_pcpu()->apic_id = apic_id();
	this_pcpu()->online = true;

	/* 5. Everything else by level: memory/timers, APs, VMX, VT-d, scheduler. */
	cpuinits_run();
	initcalls_run();

	print_banner();

	/*
	 * What runs now, in thread context with IRQs on like the APs' idle loops: the test a test
	 * image selects, else the product's payload (the VMs from the boot modules).
	 */
	irq_enable();
	if (test_seam.run)
		test_seam.run();
	kernel_payload_run();
}
