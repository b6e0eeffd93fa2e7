#include "arch/x86/power.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"

static u16 pm1a, pm1b;

void power_set_pm1(u16 pm1a_cnt, u16 pm1b_cnt)
{
	pm1a = pm1a_cnt;
	pm1b = pm1b_cnt;
}

__noreturn void machine_exit(u8 code)
{
	static const char bochs[] = "Shutdown";

	irq_disable();
	outb(0xf4, code);
	for (const char *p = bochs; *p; p++)
		outb(0x8900, (u8)*p);
	if (pm1a) {
		/* SLP_EN (bit 13) with SLP_TYP 0 (ACPI 6.5 4.8.3.2.1) */
		outw(pm1a, 1u << 13);
		if (pm1b)
			outw(pm1b, 1u << 13);
	}
	for (;;)
		cpu_halt();
}
