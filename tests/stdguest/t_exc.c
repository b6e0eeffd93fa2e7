/*
 * Exceptions reach the guest's own IDT with the SDM's frame (Vol. 3A 7.15, table 7-1):
 * #UD and #DE and #PF and #GP are faults (RIP of the instruction), #BP a trap (RIP after it);
 * #PF pushes its error code and sets CR2 (4.7).
 */
#include "tests/stdguest/kernel.h"

extern u64 exc_fixup;

#define TRY(body, at)                                                                              \
	({                                                                                         \
		exc_last.vector = -1;                                                              \
		asm volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_fixup(%%rip);"                \
			     "leaq 2f(%%rip), %0;" body "; movq $0, exc_fixup(%%rip); 1:"          \
			     : "=&r"(at)                                                           \
			     :                                                                     \
			     : "r11", "rax", "rcx", "rdx", "memory");                              \
		exc_last.vector;                                                                   \
	})

void test_exceptions(void)
{
	u64 at, bad = 0x100000000ull + 0x1234; /* PDPT[4]: not present in our tables */
	int v;

	v = TRY("2: ud2", at);
	report(v == 6 && exc_last.rip == at, "exc-ud", "vector %d at %#lx (ud2 at %#lx)", v,
	       exc_last.rip, at);
	v = TRY("xorl %%ecx, %%ecx; movl $1, %%eax; xorl %%edx, %%edx; 2: divl %%ecx", at);
	report(v == 0 && exc_last.rip == at, "exc-de", "vector %d at %#lx", v, exc_last.rip);
	v = TRY("2: int3; 3:", at);
	report(v == 3 && exc_last.rip == at + 1, "exc-bp", "vector %d, RIP %#lx after int3 at %#lx",
	       v, exc_last.rip, at);
	exc_last.vector = -1;
	asm volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_fixup(%%rip);"
		     "leaq 2f(%%rip), %0; 2: movq (%1), %%rax; movq $0, exc_fixup(%%rip); 1:"
		     : "=&r"(at)
		     : "r"(bad)
		     : "r11", "rax", "memory");
	v = exc_last.vector;
	report(v == 14 && exc_last.cr2 == bad && exc_last.error == 0 && exc_last.rip == at,
	       "exc-pf-read", "vector %d CR2 %#lx error %#lx", v, exc_last.cr2, exc_last.error);
	exc_last.vector = -1;
	asm volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_fixup(%%rip);"
		     "leaq 2f(%%rip), %0; 2: movq %%rax, (%1); movq $0, exc_fixup(%%rip); 1:"
		     : "=&r"(at)
		     : "r"(bad + 8)
		     : "r11", "memory");
	v = exc_last.vector;
	report(v == 14 && exc_last.cr2 == bad + 8 && exc_last.error == 2, "exc-pf-write",
	       "vector %d CR2 %#lx error %#lx", v, exc_last.cr2, exc_last.error);
	exc_last.vector = -1;
	asm volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_fixup(%%rip);"
		     "leaq 2f(%%rip), %0; 2: movq (%1), %%rax; movq $0, exc_fixup(%%rip); 1:"
		     : "=&r"(at)
		     : "r"(0x0000800000000000ull)
		     : "r11", "rax", "memory");
	v = exc_last.vector;
	report(v == 13 && exc_last.error == 0 && exc_last.rip == at, "exc-gp-noncanonical",
	       "vector %d error %#lx", v, exc_last.error);
}
