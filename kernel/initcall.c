#include "lib/initcall.h"
#include "arch/x86/percpu.h"
#include "lib/panic.h"
#include "lib/printk.h"

extern const struct initcall __initcall_start[], __initcall_end[];
extern const struct initcall __cpuinit_start[], __cpuinit_end[];

static void run(const struct initcall *a, const struct initcall *b, const char *what)
{
	for (const struct initcall *c = a; c < b; c++) {
		int r = c->fn();
		if (r < 0)
			printk("init: %s %s failed (%d) on cpu %u; continuing without it\n", what,
			       c->name, r, pcpu_id());
	}
}

void initcalls_run(void)
{
	run(__initcall_start, __initcall_end, "initcall");
}

void cpuinits_run(void)
{
	run(__cpuinit_start, __cpuinit_end, "cpuinit");
}

extern void (*const __payload_start[])(void);

__noreturn void kernel_payload_run(void)
{
	/* The linker script asserts there is exactly one. */
	__payload_start[0]();
	panic("the payload returned");
}
