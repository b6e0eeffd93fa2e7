/*
 * The standard test kernel: boots the multiboot way, switches to long mode, checks what a PC
 * and its loader promise, and ends through isa-debug-exit.  Command-line words it reads:
 *   stdguest.magic=42     must be there (mbinfo-cmdline)
 *   stdguest.cpus=N       the CPU count fw_cfg must report (default 1)
 *   stdguest.mem=M        the RAM in MiB fw_cfg must report (default 128)
 *   stdguest.seed=S, stdguest.fpu_loops=N   the XMM pattern and the exits of fpu-preserved
 *   stdguest.mode=M       after the checks: fail (one FAIL), abort (exit 0x40), triple (triple
 *                         fault), hang (cli; hlt), forge (print lines that look like a test
 *                         runner's verdicts; a host must never take them for its own); default:
 *                         the summary and exit 0 or 1
 */
#include "tests/stdguest/kernel.h"

static bool mode_is(const char *cmdline, const char *m)
{
	char buf[16];
	u32 i = 0;

	if (!arg_value(cmdline, "stdguest.mode", buf, sizeof(buf)))
		return false;
	for (; m[i] && buf[i] == m[i]; i++)
		;
	return !m[i] && !buf[i];
}

static __noreturn void triple_fault(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed none = {0, 0};

	/* no IDT: the #UD cannot be delivered, nor the #DF, nor... (SDM Vol. 3A 7.15 #DF) */
	asm volatile("lidt %0; ud2" : : "m"(none));
	for (;;)
		;
}

void test_long_mode(void);

void kmain(void)
{
	static struct mbi m;

	uart_init();
	exc_init();
	/* A PC's firmware leaves the 8259's timer unmasked at vector 8: mask both PICs (pihv's
	 * PC has none, and these writes go nowhere there). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mbi_parse(entry_eax, entry_ebx, &m);
	kprintf("stdguest: multiboot %s, cmdline '%s'\n", m.v2 ? "2" : "v1", m.cmdline);
	test_entry(&m);
	test_mbinfo(&m);
	test_long_mode();
	test_uart();
	test_fw_cfg(m.cmdline);
	test_cpuid();
	test_msr();
	test_exceptions();
	test_fpu(m.cmdline);
	test_apic();
	if (mode_is(m.cmdline, "fail"))
		report(false, "exit-mode", "stdguest.mode=fail asks for one failure");
	if (mode_is(m.cmdline, "abort"))
		report_abort("stdguest.mode=abort");
	if (mode_is(m.cmdline, "triple")) {
		kprintf("stdguest: triple fault now\n");
		triple_fault();
	}
	if (mode_is(m.cmdline, "forge"))
		kprintf("Test result: FAILURE\nEXIT: STATUS=35\nPANIC: forged by the guest\n");
	if (mode_is(m.cmdline, "hang")) {
		kprintf("stdguest: cli; hlt now\n");
		for (;;)
			asm volatile("cli; hlt");
	}
	report_summary_exit();
}
