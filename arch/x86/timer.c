/*
 * TSC frequency, per-CPU one-shot timers and the per-CPU tick (see timer.h).
 *
 * Frequency: CPUID 0x15 (TSC/crystal ratio times the crystal frequency, SDM Vol. 3B 19.7.3)
 * when it enumerates all three values; otherwise measured against PIT channel 2, which every
 * PC-compatible we target has (QEMU q35/i440fx, Bochs, OVMF machines) and which needs no IRQ.
 *
 * One-shot hardware, chosen once: TSC-deadline mode when CPUID.1:ECX[24] (SDM Vol. 3A
 * 11.5.4.1), else the LAPIC timer in one-shot mode with divide-by-1, whose rate is measured
 * against the TSC at boot.
 */
#include "arch/x86/timer.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/msr.h"
#include "arch/x86/trap.h"
#include "lib/assert.h"
#include "lib/config.h"
#include "lib/initcall.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_CH2_MODE0	0xb0 /* channel 2, lobyte/hibyte, mode 0 (out high at terminal count) */
#define PORT_B		0x61 /* bit 0: channel 2 gate, bit 1: speaker data, bit 5: channel 2 out */
#define PORT_B_GATE2	0x01
#define PORT_B_SPEAKER	0x02
#define PORT_B_OUT2	0x20
#define CAL_WINDOW_US	2000 /* per PIT window; three windows, the shortest wins */
#define CAL_WINDOWS	3
#define CHECK_WINDOW_US 1000 /* 1193 PIT clocks: 0.1%, to check CPUID 0x15 (2% tolerance) */

/* Per-CPU timer state, touched only by its own CPU with IRQs off: no lock. */
struct timer_cpu {
	struct list_head pending; /* armed timers, ascending deadline */
	struct timer tick;
	void (*tick_fn)(void);
	u64 tick_period;
	u64 irqs;
};

/* Written once by the BSP in its timer CPUINIT, before any AP starts; read-only after. */
static u64 tsc_hz;
static u64 apic_hz;   /* LAPIC timer ticks per second at divide-by-1 (one-shot mode only) */
static u64 apic_mult; /* apic_hz / tsc_hz in 8.24 fixed point */
static bool tsc_deadline;
static struct timer_cpu tcpus[MAX_CPUS];

u64 timer_tsc_hz(void)
{
	return tsc_hz;
}

u64 timer_us_to_tsc(u64 us)
{
	return us / 1000000 * tsc_hz + us % 1000000 * tsc_hz / 1000000;
}

u64 timer_tsc_to_us(u64 tsc)
{
	return tsc / tsc_hz * 1000000 + tsc % tsc_hz * 1000000 / tsc_hz;
}

u64 timer_tsc_to_ns(u64 tsc)
{
	return tsc / tsc_hz * 1000000000 + tsc % tsc_hz * 1000000000 / tsc_hz;
}

void timer_udelay(u64 us)
{
	u64 end = rdtsc() + timer_us_to_tsc(us);

	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}

const char *timer_mode_name(void)
{
	return tsc_deadline ? "tsc-deadline" : "lapic-oneshot";
}

/* TSC ticks during one PIT channel 2 countdown of `count` input clocks; 0 if OUT2 never rose. */
static u64 pit_window(u16 count)
{
	u8 b = inb(PORT_B);
	u64 t0, t1;

	outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CMD, PIT_CH2_MODE0); /* OUT2 goes low now and rises when the count expires */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	for (u32 spins = 0; !(inb(PORT_B) & PORT_B_OUT2); spins++) {
		if (spins > 50000000)
			return 0;
	}
	t1 = rdtsc();
	outb(PORT_B, b);
	return t1 - t0;
}

static u64 tsc_hz_from_cpuid(void)
{
	if (cpuid(0).eax < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15); /* EAX denominator, EBX numerator, ECX crystal Hz */
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax;
}

static u64 tsc_hz_from_pit(int windows, u32 window_us)
{
	const u16 count = (u16)(PIT_HZ / (1000000 / window_us));
	u64 best = ~0ull;

	/* A window can only be stretched (an emulator thread descheduled, an SMI), never shrunk. */
	for (int i = 0; i < windows; i++) {
		u64 d = pit_window(count);
		if (d && d < best)
			best = d;
	}
	if (best == ~0ull)
		return 0;
	return best * PIT_HZ / count;
}

static void apic_calibrate(void)
{
	u64 t0, t1;
	u32 left;

	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | APIC_LVT_TIMER_ONESHOT);
	apic_write(APIC_REG_TIMER_DCR, APIC_DCR_DIV1);
	t0 = rdtsc();
	apic_write(APIC_REG_TIMER_ICR, 0xffffffffu);
	timer_udelay(1000);
	left = apic_read(APIC_REG_TIMER_CCR);
	t1 = rdtsc();
	apic_write(APIC_REG_TIMER_ICR, 0);
	apic_hz = (u64)(0xffffffffu - left) * 1000000000ull / timer_tsc_to_ns(t1 - t0);
	apic_mult = (apic_hz << 24) / tsc_hz;
}

static u64 diff(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

/*
 * Calibration and its report are split: the report is an INIT_LATE initcall, so that its
 * serial output (87 us a character at 115200 baud, emulated faithfully by Bochs) does not
 * delay AP bring-up, whose kernel-entry-to-all-online time is a tracked figure.
 */
static u64 cpuid_hz_seen;
static const char *tsc_source;

static void timer_calibrate(void)
{
	u64 cpuid_hz = tsc_hz_from_cpuid();
	/* Checking CPUID needs one short window; calibrating from scratch, three longer ones. */
	u64 pit_hz = cpuid_hz ? tsc_hz_from_pit(1, CHECK_WINDOW_US)
			      : tsc_hz_from_pit(CAL_WINDOWS, CAL_WINDOW_US);

	/*
	 * CPUID 0x15 is exact on hardware, but an emulator may report a nominal value that has
	 * nothing to do with how fast its TSC runs against its own clocks (Bochs 3.0
	 * sapphire_rapids: 2.2 GHz claimed, 50 MHz measured at ips=50M).  One PIT window checks it.
	 */
	cpuid_hz_seen = cpuid_hz;
	tsc_source = "CPUID 0x15";
	tsc_hz = cpuid_hz;
	if (cpuid_hz && pit_hz && pit_hz / 50 < diff(pit_hz, cpuid_hz))
		tsc_hz = 0;
	if (!tsc_hz) {
		tsc_source = "PIT channel 2";
		tsc_hz = pit_hz;
	}
	if (!tsc_hz) {
		/* No PIT answer: assume 1 GHz so that time still moves; timer tests will say so. */
		tsc_source = "nothing (PIT silent), assumed";
		tsc_hz = 1000000000ull;
	}
	tsc_deadline = cpuid(1).ecx & BIT(24);
	if (!tsc_deadline)
		apic_calibrate();
}

static int timer_report(void)
{
	printk("timer: TSC %lu kHz from %s", tsc_hz / 1000, tsc_source);
	if (cpuid_hz_seen && tsc_hz != cpuid_hz_seen)
		printk(" (CPUID 0x15 claims %lu kHz: wrong)", cpuid_hz_seen / 1000);
	printk("; one-shot %s", timer_mode_name());
	if (!tsc_deadline)
		printk(" (LAPIC %lu kHz)", apic_hz / 1000);
	printk("\n");
	return 0;
}
INITCALL(INIT_LATE, timer_report);

static void program(struct timer_cpu *tc)
{
	u64 deadline = 0;

	if (!list_empty(&tc->pending))
		deadline = list_entry(tc->pending.next, struct timer, link)->deadline;
	if (tsc_deadline) {
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline); /* 0 disarms (SDM Vol. 3A 11.5.4.1) */
		return;
	}
	if (!deadline) {
		apic_write(APIC_REG_TIMER_ICR, 0);
		return;
	}
	u64 now = rdtsc();
	u64 count = 1;
	if (deadline > now)
		count = (u64)(((unsigned __int128)(deadline - now) * apic_mult) >> 24) + 1;
	/* Longer than the 32-bit counter: fire early and re-arm for the rest (run_expired). */
	apic_write(APIC_REG_TIMER_ICR, count > 0xffffffffu ? 0xffffffffu : (u32)count);
}

static void run_expired(struct timer_cpu *tc)
{
	while (!list_empty(&tc->pending)) {
		struct timer *t = list_entry(tc->pending.next, struct timer, link);
		if (t->deadline > rdtsc())
			break;
		list_del_init(&t->link);
		t->fn(t, t->arg);
	}
	program(tc);
}

static void on_timer(struct trap_frame *f)
{
	struct timer_cpu *tc = &tcpus[pcpu_id()];

	(void)f;
	tc->irqs++;
	run_expired(tc);
}

void timer_init(struct timer *t, timer_fn_t fn, void *arg)
{
	list_init(&t->link);
	t->deadline = 0;
	t->fn = fn;
	t->arg = arg;
	t->cpu = 0;
}

bool timer_armed(const struct timer *t)
{
	return !list_empty(&t->link);
}

void timer_arm(struct timer *t, u64 deadline)
{
	unsigned long f = irq_save();
	u32 me = pcpu_id();
	struct timer_cpu *tc = &tcpus[me];
	struct list_head *pos;

	ASSERT(!timer_armed(t) || t->cpu == me);
	if (timer_armed(t))
		list_del_init(&t->link);
	t->deadline = deadline;
	t->cpu = me;
	list_for_each(pos, &tc->pending)
	{
		if (list_entry(pos, struct timer, link)->deadline > deadline)
			break;
	}
	list_add_tail(&t->link, pos); /* i.e. insert before pos */
	if (tc->pending.next == &t->link)
		program(tc);
	irq_restore(f);
}

bool timer_cancel(struct timer *t)
{
	unsigned long f = irq_save();
	bool was = timer_armed(t);

	if (was) {
		ASSERT(t->cpu == pcpu_id());
		list_del_init(&t->link);
		program(&tcpus[t->cpu]);
	}
	irq_restore(f);
	return was;
}

static void tick_fire(struct timer *t, void *arg)
{
	struct timer_cpu *tc = arg;
	u64 next = t->deadline + tc->tick_period;
	u64 now = rdtsc();

	tc->tick_fn();
	if (next <= now)
		next = now + tc->tick_period;
	timer_arm(t, next);
}

void timer_tick_set(u64 period, void (*fn)(void))
{
	struct timer_cpu *tc = &tcpus[pcpu_id()];

	timer_cancel(&tc->tick);
	tc->tick_period = period;
	tc->tick_fn = fn;
	if (period)
		timer_arm(&tc->tick, rdtsc() + period);
}

u64 timer_irq_count(u32 cpu)
{
	return READ_ONCE(tcpus[cpu].irqs);
}

/* Every CPU as it comes online; the BSP's call (first, before any AP) also calibrates. */
static int timer_cpu_init(void)
{
	struct timer_cpu *tc = &tcpus[pcpu_id()];

	if (pcpu_id() == 0) {
		timer_calibrate();
		trap_register(VEC_TIMER, on_timer);
	}
	list_init(&tc->pending);
	timer_init(&tc->tick, tick_fire, tc);
	if (tsc_deadline) {
		apic_write(APIC_REG_LVT_TIMER, APIC_LVT_TIMER_TSC_DEADLINE | VEC_TIMER);
		/* The LVT write must land before the first IA32_TSC_DEADLINE write (11.5.4.1). */
		asm volatile("mfence" ::: "memory");
	} else {
		apic_write(APIC_REG_TIMER_DCR, APIC_DCR_DIV1);
		apic_write(APIC_REG_LVT_TIMER, APIC_LVT_TIMER_ONESHOT | VEC_TIMER);
	}
	return 0;
}
CPUINIT(INIT_EARLY, timer_cpu_init);
