/* The guest-side library: hypercalls, console, tests, exceptions (guests/lib.c). */
#ifndef GUESTS_LIB_H
#define GUESTS_LIB_H

#include <stdarg.h>
#include "kernel/types.h"
#include "vmx/guest_abi.h"

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
static inline void g_outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline u8 g_inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void g_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One PASS/FAIL line on the host console, counted in the host's test summary. */
bool g_report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
__attribute__((noreturn)) void g_exit(u64 code);
/*
 * Arms a one-shot fixup: the next exception `vector` on this vCPU is counted and the faulting
 * instruction (insn_len bytes) skipped.  Returns the count of such exceptions so far.
 */
void g_expect_fault(u8 vector, u8 insn_len);
u32 g_faults_seen(void);
/* Written by each guest: vCPU `index` of `count`. Returns the exit code. */
u64 guest_main(u64 index, u64 count);

#endif
