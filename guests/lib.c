/* Guest runtime: IDT, exception fixups, a tiny printf over HC_CONSOLE_WRITE, reports. */
#include "guests/apic.h"
#include "guests/lib.h"

struct idt_gate {
	u64 lo, hi;
};
static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const char guest_stubs[];

/* Per-vCPU fixup state, indexed by vCPU (vm/vm.h allows at most 4). */
static u8 fix_vector[4], fix_len[4];
static bool fix_armed[4];
static u32 faults[4];
/* This vCPU's index without an exit (g_index_from_stack: every vCPU has set its stack by then). */
static u64 my_index_unsafe(void)
{
	return g_index_from_stack();
}

static void idt_init(void)
{
	for (int i = 0; i < 256; i++) {
		u64 a = (u64)(guest_stubs + 16 * i);
		/* 64-bit interrupt gate, present, DPL 0 (SDM Vol. 3A 6.14.1) */
		idt[i].lo = (a & 0xffff) | ((u64)GUEST_SEL_CODE << 16) | (0x8eull << 40) |
			    ((a >> 16 & 0xffff) << 48);
		idt[i].hi = a >> 32;
	}
	g_idt_load();
}

void g_idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (u64)idt};
	asm volatile("lidt %0" : : "m"(p));
}

/* Top of vCPU 0's stack: each vCPU's stack lies GUEST_STACK_SIZE below the previous one. */
static u64 stack_top0;
static bool pv_no_eoi;
u32 g_irq_counts[4][256];
u64 g_irq_last_tsc[4];
u32 g_nmi_counts[4];
void (*g_nmi_hook)(u32 index);
void (*g_irq_hook)(u32 index, u32 vector, u64 tsc);
bool (*g_fault_hook)(struct gframe *f);

u32 g_index_from_stack(void)
{
	u64 rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	return (u32)((stack_top0 - rsp) / GUEST_STACK_SIZE) & 3;
}

u64 g_stack_top0(void)
{
	return stack_top0;
}

void guest_entry(u64 index, u64 count);
void guest_entry(u64 index, u64 count)
{
	u64 rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	/* entry RSP = top - index * size; the frame pushed since is far below one stack size */
	stack_top0 = ALIGN_UP(rsp, 0x1000ul) + index * GUEST_STACK_SIZE;
	idt_init();
	/* identity-mapped guest: the address is the guest-physical one (vm/guest_abi.h) */
	g_stat(HC_STAT_IRQ_COUNTS, (u64)&g_irq_counts[index][0]);
	u32 a, b, c, d;
	g_cpuid(PIHV_CPUID_BASE + 1, &a, &b, &c, &d);
	pv_no_eoi = c & PIHV_CPUID_PV_NO_EOI;
	g_exit(guest_main(index, count));
}

/*
 * An APIC interrupt: counted per vCPU and vector, then EOI (x2APIC: WRMSR 0x80b, xAPIC: a store
 * to 0xfee000b0; virtual EOI with virtual-interrupt delivery, no exit).  The vCPU index comes
 * from the stack pointer, so the handler itself causes no VM exit.
 */
static void guest_irq(struct gframe *f)
{
	u64 tsc = g_rdtsc();
	u32 me = g_index_from_stack();

	g_irq_counts[me][f->vector]++;
	g_irq_last_tsc[me] = tsc;
	if (g_irq_hook)
		g_irq_hook(me, (u32)f->vector, tsc);
	if (!pv_no_eoi)
		ga_eoi(me);
}

void guest_trap(struct gframe *f);
void guest_trap(struct gframe *f)
{
	if (f->vector >= 32) {
		guest_irq(f);
		return;
	}
	if (f->vector == 2) { /* NMI: counted; the IRET ends NMI blocking */
		u32 me = g_index_from_stack();
		g_nmi_counts[me]++;
		if (g_nmi_hook)
			g_nmi_hook(me);
		return;
	}
	if (g_fault_hook && g_fault_hook(f))
		return;
	u64 me = my_index_unsafe();

	if (fix_armed[me] && f->vector == fix_vector[me]) {
		fix_armed[me] = false;
		faults[me]++;
		f->rip += fix_len[me];
		return;
	}
	g_report(false, "unexpected exception %lu error %#lx at rip %#lx", f->vector, f->error,
		 f->rip);
	g_exit(0xdead);
}

void g_cancel_fault(void)
{
	fix_armed[my_index_unsafe()] = false;
}

void g_expect_fault(u8 vector, u8 insn_len)
{
	u64 me = my_index_unsafe();

	fix_vector[me] = vector;
	fix_len[me] = insn_len;
	fix_armed[me] = true;
}

u32 g_faults_seen(void)
{
	return faults[my_index_unsafe()];
}

void g_exit(u64 code)
{
	for (;;)
		hc3(HC_EXIT, code, 0, 0);
}

/* Minimal formatter: %s %c %d %u %x %lu %lx %ld and %% (enough for the guests). */
static u32 fmt(char *buf, u32 size, const char *f, va_list ap)
{
	u32 n = 0;

	for (; *f && n + 24 < size; f++) {
		if (*f != '%') {
			buf[n++] = *f;
			continue;
		}
		f++;
		bool l = false, alt = false;
		if (*f == '#')
			alt = true, f++;
		if (*f == 'l')
			l = true, f++;
		if (*f == 's') {
			for (const char *s = va_arg(ap, const char *); *s && n + 24 < size; s++)
				buf[n++] = *s;
			continue;
		}
		if (*f == 'c') {
			buf[n++] = (char)va_arg(ap, int);
			continue;
		}
		if (*f == '%') {
			buf[n++] = '%';
			continue;
		}
		u64 v;
		u32 base = *f == 'x' ? 16 : 10;
		if (*f == 'd') {
			s64 sv = l ? va_arg(ap, s64) : va_arg(ap, int);
			if (sv < 0)
				buf[n++] = '-', sv = -sv;
			v = (u64)sv;
		} else {
			v = l ? va_arg(ap, u64) : va_arg(ap, u32);
		}
		if (alt && base == 16)
			buf[n++] = '0', buf[n++] = 'x';
		char tmp[20];
		int t = 0;
		do {
			tmp[t++] = "0123456789abcdef"[v % base];
			v /= base;
		} while (v);
		while (t)
			buf[n++] = tmp[--t];
	}
	return n;
}

void g_printf(const char *f, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, f);
	u32 n = fmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	hc3(HC_CONSOLE_WRITE, (u64)buf, n, 0);
}

bool g_report(bool pass, const char *f, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, f);
	u32 n = fmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	hc3(HC_REPORT, pass ? HC_REPORT_PASS : HC_REPORT_FAIL, (u64)buf, n);
	return pass;
}

void g_sort_u64(u64 *v, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 x = v[i];
		u32 j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}
