#include "kernel/panic.h"
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "kernel/assert.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"

static u32 panicking; /* first CPU to panic wins; the others park silently */

void panic_begin(void)
{
	irq_disable();
	if (xchg(&panicking, 1)) {
		for (;;)
			cpu_halt();
	}
}

__noreturn void panic_end(void)
{
	/* NMI would be nicer; a fixed IPI is enough: other CPUs run with IRQs on when idle. */
	test_finish_error();
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	printk("PANIC: cpu %u: ", pcpu_id());
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	panic_end();
}

__noreturn void assert_fail(const char *file, int line, const char *expr)
{
	panic("assertion failed: %s at %s:%d", expr, file, line);
}
