/*
 * fpu-preserved: the guest's x87/SSE registers survive everything the host does meanwhile
 * (exits, time slices, other VMs on the same pCPU: vm/vcpu_ctx.c).  The kernel enables SSE
 * (CR4.OSFXSR, SDM Vol. 3A 13.1.4), loads XMM0-XMM15 with a pattern made from
 * stdguest.seed=S, runs stdguest.fpu_loops=N rounds of port I/O (each one an exit on pihv),
 * and reads the registers back.
 */
#include "tests/stdguest/kernel.h"

#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)

void test_fpu(const char *cmdline)
{
	u64 seed = arg_u64(cmdline, "stdguest.seed", 7),
	    loops = arg_u64(cmdline, "stdguest.fpu_loops", 200);
	u64 in[32] __aligned(16), out[32] __aligned(16), cr4;
	u32 bad = 0;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT));
	for (u32 i = 0; i < 32; i++)
		in[i] = seed * 0x9e3779b97f4a7c15ull + i * 0x100000001b3ull;
#define XMM(op, n) op " " #n "*16(%0), %%xmm" #n ";"
	asm volatile(XMM("movdqa", 0) XMM("movdqa", 1) XMM("movdqa", 2) XMM("movdqa", 3)
			     XMM("movdqa", 4) XMM("movdqa", 5) XMM("movdqa", 6) XMM("movdqa", 7)
				     XMM("movdqa", 8) XMM("movdqa", 9) XMM("movdqa", 10)
					     XMM("movdqa", 11) XMM("movdqa", 12) XMM("movdqa", 13)
						     XMM("movdqa", 14) XMM("movdqa", 15)
		     :
		     : "r"(in)
		     : "memory");
	for (u64 i = 0; i < loops; i++)
		(void)inb(0x80);
#define XMMOUT(n) "movdqa %%xmm" #n ", " #n "*16(%0);"
	asm volatile(XMMOUT(0) XMMOUT(1) XMMOUT(2) XMMOUT(3) XMMOUT(4) XMMOUT(5) XMMOUT(6) XMMOUT(7)
			     XMMOUT(8) XMMOUT(9) XMMOUT(10) XMMOUT(11) XMMOUT(12) XMMOUT(13)
				     XMMOUT(14) XMMOUT(15)
		     :
		     : "r"(out)
		     : "memory");
	for (u32 i = 0; i < 32; i++)
		bad += in[i] != out[i];
	report(!bad, "fpu-preserved", "XMM0-15 intact after %lu port reads (%u words differ)",
	       loops, bad);
}
