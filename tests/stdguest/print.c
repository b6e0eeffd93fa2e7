/*
 * Output and the test protocol: PASS:/FAIL:/SKIP: <name>: <detail> lines, one SUMMARY: line,
 * then the end through QEMU's isa-debug-exit (port 0xf4): 0 when nothing failed, 1 when
 * something did, ABORT_CODE when the kernel could not go on (kvm-unit-tests' convention; the
 * QEMU process status is (code << 1) | 1).
 */
#include <stdarg.h>

#include "lib/fmt.h"
#include "tests/stdguest/kernel.h"

#define ABORT_CODE 0x40

static u32 nr_tests, nr_fail, nr_skip;

static void puts_(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

static void vprint(const char *fmt, va_list ap)
{
	char buf[256];

	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	puts_(buf);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

static void line(const char *word, const char *name, const char *fmt, va_list ap)
{
	kprintf("%s: %s: ", word, name);
	vprint(fmt, ap);
	puts_("\n");
}

void report(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	nr_tests++;
	nr_fail += !ok;
	va_start(ap, fmt);
	line(ok ? "PASS" : "FAIL", name, fmt, ap);
	va_end(ap);
}

void report_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	nr_tests++;
	nr_skip++;
	va_start(ap, fmt);
	line("SKIP", name, fmt, ap);
	va_end(ap);
}

__noreturn void kexit(u8 code)
{
	outb(0xf4, code);
	/* no isa-debug-exit: nothing else to do but stop */
	for (;;)
		asm volatile("cli; hlt");
}

__noreturn void report_summary_exit(void)
{
	kprintf("SUMMARY: %u tests, %u failures, %u skipped\n", nr_tests, nr_fail, nr_skip);
	kexit(nr_fail ? 1 : 0);
}

__noreturn void report_abort(const char *fmt, ...)
{
	va_list ap;

	puts_("ABORT: ");
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	puts_("\n");
	kprintf("SUMMARY: %u tests, %u failures, %u skipped\n", nr_tests, nr_fail + 1, nr_skip);
	kexit(ABORT_CODE);
}
