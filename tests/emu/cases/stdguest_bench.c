/*
 * stdguest-bench (make bench, tests/bench.cfg): the standard test kernel given as a module runs
 * as the only VM; the host reports what it cost, from its own counters (a guest cannot forge
 * them):
 *   stdguest_boot_to_summary  TSC ticks from the first VM entry to the isa-debug-exit write
 *                             that follows the kernel's SUMMARY line (Bochs: 50 M ticks/s)
 *   stdguest_exits            VM exits in that run, and per reason the ones a PC kernel makes
 *   stdguest_uart_chars       characters the kernel sent through the 16550
 *   stdguest_io_exits_per_char  port-I/O exits per character (LSR poll + THR write = 2)
 */
#include "lib/platform.h"
#include "lib/printk.h"
#include "tests/emu/selftest.h"
#include "vm/vm.h"
#include "vmboot/vm_boot.h"

static void bench_line(const char *name, u64 v, const char *unit)
{
	printk("BENCH: %s %lu %s\n", name, v, unit);
}

static void stdguest_bench(void)
{
	struct vm *vm;
	struct vcpu *v;
	u64 chars, io;

	if (!platform.vmx) {
		report_skip("VMX is off: no guests");
		return;
	}
	if (vm_boot_from_modules(&vm, 1) != 1 || vm->kind != VM_PC) {
		report(false, "one standard guest from the module lines");
		return;
	}
	vm_run(&vm, 1);
	vm_print_summary(vm);
	v = vm->vcpus[0];
	report(vm->end == VM_END_DEBUG_EXIT && vm->end_value == 0,
	       "the kernel passed its checks and exited through port 0xf4 (value %u)",
	       vm->end_value);
	chars = vm->pc.com1.chars_out;
	io = v->exits[EXIT_IO_INSTRUCTION];
	bench_line("stdguest_boot_to_summary", v->end_tsc - vm->start_tsc, "ticks");
	bench_line("stdguest_exits", v->exits_total, "exits");
	bench_line("stdguest_exits_cpuid", v->exits[EXIT_CPUID], "exits");
	bench_line("stdguest_exits_msr", v->exits[EXIT_MSR_READ] + v->exits[EXIT_MSR_WRITE],
		   "exits");
	bench_line("stdguest_exits_cr", v->exits[EXIT_CR_ACCESS], "exits");
	bench_line("stdguest_exits_io", io, "exits");
	bench_line("stdguest_uart_chars", chars, "chars");
	printk("BENCH: stdguest_io_exits_per_char %lu.%02lu exits\n", chars ? io / chars : 0,
	       chars ? io * 100 / chars % 100 : 0);
}
KTEST("stdguest-bench", stdguest_bench, "what the standard test kernel's run costs (make bench)");
