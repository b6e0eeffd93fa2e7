/* The guest-side library: hypercalls, console, tests, exceptions (guests/lib.c). */
#ifndef GUESTS_LIB_H
#define GUESTS_LIB_H

#include <stdarg.h>
#include "lib/compiler.h"
#include "lib/types.h"
#include "arch/x86/apic_regs.h" /* leaf headers: constants and inline port I/O only */
#include "arch/x86/io.h"
#include "arch/x86/msr.h"
#include "vm/guest_abi.h"

struct gframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

static inline long hc0(long nr)
{
	long r;
	asm volatile("vmcall" : "=a"(r) : "a"(nr) : "memory");
	return r;
}
static inline long hc3(long nr, u64 a, u64 b, u64 c)
{
	long r;
	asm volatile("vmcall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "memory");
	return r;
}
static inline void g_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline u64 g_rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void g_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
static inline u64 g_rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void g_cli(void)
{
	asm volatile("cli" ::: "memory");
}
static inline void g_sti(void)
{
	asm volatile("sti" ::: "memory");
}
/* `sti; hlt`: the STI shadow covers the HLT, so no interrupt slips in between. */
static inline void g_sti_hlt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}
static inline void g_hlt(void)
{
	asm volatile("hlt" ::: "memory");
}
static inline void g_pause(void)
{
	asm volatile("pause" ::: "memory");
}
/* x2APIC ICR (one WRMSR, exits): fixed IPI to the vCPU with x2APIC ID dest. */
static inline void g_send_ipi(u32 dest, u8 vector)
{
	g_wrmsr(X2APIC_MSR_ICR, ICR_X2APIC_DEST(dest) | vector);
}
/* TSC-deadline timer: LVT timer in TSC-deadline mode with vector, then arm. */
static inline void g_timer_vector(u8 vector)
{
	g_wrmsr(X2APIC_MSR_LVT_TIMER, APIC_LVT_TIMER_TSC_DEADLINE | vector);
}
static inline void g_timer_deadline(u64 tsc)
{
	g_wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}
static inline void g_stat(u32 slot, u64 v)
{
	hc3(HC_STAT, slot, v, 0);
}

/* Interrupts received, per vCPU and vector (guest_irq in lib.c); read them with READ_ONCE. */
extern u32 g_irq_counts[4][256];
extern u64 g_irq_last_tsc[4];
/* NMIs received, per vCPU (vector 2: counted, then IRET). */
extern u32 g_nmi_counts[4];
/* Called from the NMI handler (NMIs blocked until its IRET) if set. */
extern void (*g_nmi_hook)(u32 index);
/* Called from the interrupt handler (IRQs off) if set. */
extern void (*g_irq_hook)(u32 index, u32 vector, u64 tsc);
/*
 * Called first for every exception if set; true: handled (it may move f->rip).  Unlike
 * g_expect_fault it costs no hypercall, for guests that fault by the thousand.
 */
extern bool (*g_fault_hook)(struct gframe *f);
/* This vCPU's index, from the stack pointer: no VM exit. */
u32 g_index_from_stack(void);
/* vCPU 0's stack top: vCPU i's stack is GUEST_STACK_SIZE * i below it. */
u64 g_stack_top0(void);
/* Loads the guest's IDT (shared by all vCPUs; vCPU 0 builds it at entry). */
void g_idt_load(void);
#define G_READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void g_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One PASS/FAIL line on the host console, counted in the host's test summary. */
bool g_report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
__attribute__((noreturn)) void g_exit(u64 code);
/*
 * Arms a one-shot fixup: the next exception `vector` on this vCPU is counted and the faulting
 * instruction (insn_len bytes) skipped.  Returns the count of such exceptions so far.
 */
void g_expect_fault(u8 vector, u8 insn_len);

/* Sorts v[0..n) ascending (insertion sort: the sample arrays are small; there is no libc). */
void g_sort_u64(u64 *v, u32 n);
/* Disarms a fixup that did not fire. */
void g_cancel_fault(void);
u32 g_faults_seen(void);
/* Written by each guest: vCPU `index` of `count`. Returns the exit code. */
u64 guest_main(u64 index, u64 count);

#endif
