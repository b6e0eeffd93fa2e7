#include "lib/panic.h"
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "lib/assert.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "arch/x86/power.h"
#include "lib/test_seam.h"
#include "trace/trace.h"

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
	/* What the pCPUs did up to here, if tracing is on (best effort: they may go on). */
	trace_dump_panic();
	/* A test image ends the run as its protocol says (Test result: ERROR). */
	if (test_seam.panic_end)
		test_seam.panic_end();
	printk("pihv: stopped after a panic (exit status %u)\n", PANIC_EXIT_CODE);
	machine_exit(PANIC_EXIT_CODE);
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
