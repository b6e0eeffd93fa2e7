/*
 * Host page tables and faults on APs.
 * test=smp-paging: the W^X/NX/UC attributes of the host tables, read back with paging_lookup.
 * test=smp-ap-fault: CPU 1 writes to kernel text (read-only): the #PF must be reported with
 *   "on cpu 1" and end the run as ERROR (expect = crash).
 * test=smp-stack-guard: CPU 1 recurses into its guard page: #PF cannot be delivered on that
 *   stack, so the CPU raises #DF, which runs on its IST stack and is reported (expect = crash).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp.h"
#include "lib/config.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "tests/emu/selftest.h"
#include "tests/emu/cases/smp_cases.h"

extern char __text_start[], __text_end[], __data_start[], __bss_start[];
extern const char __ktests_start[];

static void check(const char *what, u64 va, u64 must_set, u64 must_clear)
{
	u64 size = 0, e = paging_lookup(va, &size);
	report(e && (e & must_set) == must_set && !(e & must_clear),
	       "%s %#lx: entry %#lx (%lu KiB page)", what, va, e, size / 1024);
}

void smp_case_paging(void)
{
	u64 nx = paging_nx() ? PTE_NX : 0;

	report_prefix_push("paging");
	if (!paging_cr3()) {
		report(false, "host page tables installed");
		report_prefix_pop();
		return;
	}
	report(read_cr3() == paging_cr3(), "CR3 is the host tables");
	check("text R+X", (u64)smp_case_paging & ~(PAGE_SIZE - 1), PTE_P, PTE_W | PTE_NX);
	check("rodata R+NX", (u64)__ktests_start & ~(PAGE_SIZE - 1), PTE_P | nx, PTE_W);
	check("data RW+NX", (u64)__data_start, PTE_P | PTE_W | nx, 0);
	check("bss RW+NX", (u64)__bss_start, PTE_P | PTE_W | nx, 0);
	check("RAM at 64 MiB RW+NX", 64ull << 20, PTE_P | PTE_W | nx, PTE_PCD);
	check("LAPIC MMIO uncached", 0xfee00000, PTE_P | PTE_PCD | PTE_PWT | nx, 0);
	for (u32 c = 0; c < pcpu_count(); c++) {
		u64 guard = pcpu(c)->kstack_top - KSTACK_SIZE - PAGE_SIZE;
		report(pcpu(c)->kstack_top && !paging_lookup(guard, NULL) &&
			       paging_lookup(guard + PAGE_SIZE, NULL),
		       "cpu %u: stack top %#lx, guard page %#lx unmapped", c, pcpu(c)->kstack_top,
		       guard);
	}
	report_prefix_pop();
}

static void smp_paging(void)
{
	smp_case_paging();
}
KTEST("smp-paging", smp_paging, "host page tables: W^X, NX, uncached MMIO, stack guards");

static void write_text(void *arg)
{
	(void)arg;
	printk("smp-ap-fault: cpu %u writes to kernel text at %p\n", pcpu_id(),
	       (void *)__text_start);
	*(volatile char *)__text_start = 0;
}

static void smp_ap_fault(void)
{
	if (pcpu_count() < 2) {
		report_skip("needs a second CPU");
		return;
	}
	smp_call(1, write_text, NULL);
	report(false, "cpu 1 wrote to read-only kernel text without a fault");
}
KTEST("smp-ap-fault", smp_ap_fault, "a #PF on CPU 1 is reported with its id (expect crash)");

static u64 depth_limit = ~0ull; /* not const: the compiler must not see the recursion as endless */

static u64 __attribute__((noinline)) recurse(u64 n)
{
	volatile u64 pad[32];

	pad[0] = n;
	if (n >= depth_limit)
		return n;
	return recurse(n + 1) + pad[0];
}

static void overflow(void *arg)
{
	(void)arg;
	printk("smp-stack-guard: cpu %u recurses into its guard page\n", pcpu_id());
	recurse(0);
}

static void smp_stack_guard(void)
{
	if (pcpu_count() < 2) {
		report_skip("needs a second CPU");
		return;
	}
	smp_call(1, overflow, NULL);
	report(false, "cpu 1 overflowed its stack without a fault");
}
KTEST("smp-stack-guard", smp_stack_guard, "stack overflow on CPU 1 hits the guard (expect crash)");
