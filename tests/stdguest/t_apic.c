/*
 * The local APIC as a PC kernel finds it (SDM Vol. 3A ch. 11), in xAPIC mode at 0xfee00000:
 *   apic-selfipi-hlt    a self-IPI pending while IF=0 ends the `sti; hlt` that follows at once
 *                       (the HLT never blocks with an interrupt pending, 11.5 / 7.6)
 *   apic-timer-oneshot  the LVT timer in one-shot mode fires once and its count stops at 0
 *   ap-start            INIT-SIPI-SIPI (9.4.4) starts the next CPU in real mode at 0x8000
 * With one CPU (fw_cfg), ap-start is a SKIP.
 */
#include "tests/stdguest/kernel.h"

#define APIC_BASE_ADDR 0xfee00000ull
#define APIC_ID	       0x20
#define APIC_EOI       0xb0
#define APIC_SVR       0xf0
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TMR_INIT  0x380
#define APIC_TMR_CUR   0x390
#define APIC_TMR_DIV   0x3e0
#define ICR_BUSY       (1u << 12)
#define ICR_SELF       (1u << 18)
#define ICR_INIT       0x4500u /* INIT, level assert */
#define ICR_SIPI       0x4600u /* start-up, level assert */
#define AP_FLAG	       0x8ff0ull

extern const char ap_tramp[], ap_tramp_end[];
static u32 irq_count[2];

static u32 rd(u32 off)
{
	return *(volatile u32 *)(APIC_BASE_ADDR + off);
}

static void wr(u32 off, u32 v)
{
	*(volatile u32 *)(APIC_BASE_ADDR + off) = v;
}

void irq_handle(u64 vector);
void irq_handle(u64 vector)
{
	irq_count[vector - 0x40]++;
	wr(APIC_EOI, 0);
}

static void icr(u32 dest, u32 lo)
{
	wr(APIC_ICR_HI, dest << 24);
	wr(APIC_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (rd(APIC_ICR_LO) & ICR_BUSY); i++)
		asm volatile("pause");
}

static void ap_start(void)
{
	u16 cpus = 0;
	volatile u8 *flag = (volatile u8 *)AP_FLAG;
	u8 *dst = (u8 *)0x8000ull;

	fw_cfg_read(0x05, &cpus, 2);
	if (cpus < 2) {
		report_skip("ap-start", "%u CPU: no AP to start", cpus);
		return;
	}
	for (const char *p = ap_tramp; p < ap_tramp_end; p++)
		*dst++ = (u8)*p;
	*flag = 0;
	icr(1, ICR_INIT);
	for (int i = 0; i < 10000; i++)
		asm volatile("pause");
	for (int sipi = 0; sipi < 2 && *flag != 0xa5; sipi++) {
		icr(1, ICR_SIPI | 0x08); /* vector 8: CS 0x800, the code at 0x8000 */
		for (int i = 0; i < 5000000 && *flag != 0xa5; i++)
			asm volatile("pause");
	}
	report(*flag == 0xa5, "ap-start", "APIC ID 1 ran its real-mode code at 0x8000 (flag %#x)",
	       *flag);
}

void test_apic(void)
{
	u32 n;

	wr(APIC_SVR, 0x1ff); /* software-enabled, spurious vector 0xff */
	report(rd(APIC_ID) >> 24 == 0, "apic-id", "xAPIC ID %u", rd(APIC_ID) >> 24);

	/* a long one-shot as a safety net, should the self-IPI never come */
	wr(APIC_TMR_DIV, 0xb); /* divide by 1 */
	wr(APIC_LVT_TIMER, 0x41);
	wr(APIC_TMR_INIT, 0x7fffffff);
	asm volatile("cli");
	icr(0, ICR_SELF | 0x40);
	asm volatile("sti; hlt; cli" ::: "memory");
	wr(APIC_TMR_INIT, 0);
	report(irq_count[0] == 1 && irq_count[1] == 0, "apic-selfipi-hlt",
	       "vector 0x40 taken %u time(s) by the HLT, the safety timer %u", irq_count[0],
	       irq_count[1]);

	irq_count[1] = 0;
	wr(APIC_LVT_TIMER, 0x41); /* one-shot, unmasked */
	wr(APIC_TMR_INIT, 100000);
	for (n = 0; n < 1000 && !irq_count[1]; n++)
		asm volatile("sti; hlt; cli" ::: "memory");
	report(irq_count[1] == 1 && rd(APIC_TMR_CUR) == 0, "apic-timer-oneshot",
	       "fired %u time(s) after %u HLT(s), current count %u", irq_count[1], n + 1,
	       rd(APIC_TMR_CUR));
	wr(APIC_LVT_TIMER, 1u << 16); /* masked */
	ap_start();
}
