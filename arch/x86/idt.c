#include "arch/x86/desc.h"

extern const u64 trap_stub_table[256]; /* idt_entry.S */

static u64 idt[256][2] __aligned(16);

/* 64-bit interrupt gate (type 0xE): IF is cleared on entry (SDM Vol. 3A 6.14.1). */
static void set_gate(int vec, u64 handler, int ist)
{
	idt[vec][0] = (handler & 0xffff) | ((u64)SEL_KCODE << 16) | ((u64)(ist & 7) << 32) |
		      (0x8eull << 40) | (((handler >> 16) & 0xffff) << 48);
	idt[vec][1] = handler >> 32;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, trap_stub_table[v], 0);
	set_gate(2, trap_stub_table[2], IST_NMI);
	set_gate(8, trap_stub_table[8], IST_DF);
	set_gate(18, trap_stub_table[18], IST_MC);
}

void idt_load(void)
{
	struct desc_ptr p = {sizeof(idt) - 1, (u64)idt};
	asm volatile("lidt %0" : : "m"(p));
}
