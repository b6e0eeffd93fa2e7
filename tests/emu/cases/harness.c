/*
 * Harness self-tests: each one ends the run in a known way, so that the runner's
 * classification (pass / fail / crash / timeout / skip) is itself tested (docs/testing.md).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "tests/emu/selftest.h"

static void selftest_pass(void)
{
	report(1 + 1 == 2, "arithmetic works");
}
KTEST("selftest-pass", selftest_pass, "one passing check");

static void selftest_fail(void)
{
	report(true, "a passing check before the failing one");
	report(false, "this check fails on purpose");
}
KTEST("selftest-fail", selftest_fail, "one failing check (expect fail)");

static void selftest_skip(void)
{
	report_skip("this machine lacks nothing, but the test says skip");
}
KTEST("selftest-skip", selftest_skip, "only a skipped check (expect skip)");

static void selftest_ud(void)
{
	asm volatile("ud2");
}
KTEST("selftest-ud", selftest_ud, "#UD in the hypervisor (expect crash)");

static void selftest_triple(void)
{
	/* An empty IDT: the #UD becomes #GP, then #DF, then a triple fault (SDM Vol. 3A 6.15). */
	struct desc_ptr empty = {0, 0};
	irq_disable();
	asm volatile("lidt %0; ud2" : : "m"(empty));
}
KTEST("selftest-triple", selftest_triple, "triple fault, no result line (expect crash)");

static void selftest_hang(void)
{
	irq_disable();
	for (;;)
		cpu_relax();
}
KTEST("selftest-hang", selftest_hang, "spins with IRQs off (expect timeout)");
