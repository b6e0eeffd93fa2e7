/*
 * Exceptions 0-31 with recovery: a test arms exc_fixup with a label, runs one instruction, and
 * the handler records what was delivered (vector, error code, faulting RIP, CR2) and resumes
 * at the label.  An exception nobody armed for is a test-kernel bug: abort.
 */
#include "tests/stdguest/kernel.h"

struct exc_frame {
	u64 r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

extern const char exc_stubs[];
struct exc_record exc_last;
u64 exc_fixup;
extern const char irq_stubs[];
static u64 idt[256 * 2] __aligned(16);

void exc_handle(struct exc_frame *f)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	if (!exc_fixup)
		report_abort("unexpected exception %lu (error %#lx) at RIP %#lx, CR2 %#lx",
			     f->vector, f->error, f->rip, cr2);
	exc_last = (struct exc_record){(int)f->vector, f->error, f->rip, cr2};
	f->rip = exc_fixup;
	exc_fixup = 0;
}

void exc_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = {sizeof(idt) - 1, (u64)idt};

	for (int v = 0; v < 32 + 2; v++) {
		int vec = v < 32 ? v : 0x40 + v - 32;
		u64 h = v < 32 ? (u64)exc_stubs + 16 * v : (u64)irq_stubs + 16 * (v - 32);

		/* 64-bit interrupt gate: offset, selector 0x08, P, DPL 0, type 0xe (Vol. 3A 7.14.1)
		 */
		idt[2 * vec] = (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) |
			       ((h >> 16) & 0xffff) << 48;
		idt[2 * vec + 1] = h >> 32;
	}
	asm volatile("lidt %0" : : "m"(idtr));
}

/* Arms the fixup with label 1 of the asm that follows; returns the vector or -1. */
#define ARM    "leaq 1f(%%rip), %%r11; movq %%r11, exc_fixup(%%rip);"
#define DISARM "movq $0, exc_fixup(%%rip); 1:"

static int taken(void)
{
	int v = exc_last.vector;

	exc_last.vector = -1;
	return v;
}

int rdmsr_safe(u32 msr, u64 *v)
{
	u32 lo = 0, hi = 0;

	exc_last.vector = -1;
	asm volatile(ARM "rdmsr;" DISARM : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	*v = (u64)hi << 32 | lo;
	return taken();
}

int wrmsr_safe(u32 msr, u64 v)
{
	exc_last.vector = -1;
	asm volatile(ARM "wrmsr;" DISARM
		     :
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "r11", "memory");
	return taken();
}
