/*
 * vectoring: two events whose delivery the host interrupts on purpose (tests/emu/cases/
 * vmx_vectoring.c takes a page away from the EPT through HC_TEST, and gives it back at the
 * EPT violation the delivery causes).  Each must reach its handler exactly once afterwards:
 *   1. INT 0x30 with the page its frame is pushed to gone (a software interrupt: the host
 *      must re-inject it with the instruction length, SDM Vol. 3C 27.6.1.1);
 *   2. UD2 with the page of its IDT gate gone (a hardware exception);
 *   3. a self-IPI (vector 0x31) delivered with the page its frame is pushed to gone: with
 *      virtual-interrupt delivery the CPU has already moved the vector from vIRR to vISR when
 *      the exit comes (SDM Vol. 3C 30.2.2), so only the re-injection can still deliver it.
 * Cases 1 and 2 would also reach their handler by re-executing the instruction; case 3 would
 * be lost.
 * The HC_TEST and the instruction are one asm statement: nothing touches the page between.
 */
#include "guests/lib.h"

#define OP_TAKE_PAGE 1

u64 guest_main(u64 index, u64 count)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;
	u64 rsp, before = G_READ(g_irq_counts[0][0x30]);

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	asm volatile("vmcall; int $0x30"
		     : "+a"(*(long[]){HC_TEST})
		     : "D"(OP_TAKE_PAGE), "S"((rsp - 64) & ~0xfffull), "d"(0)
		     : "memory");
	g_report(G_READ(g_irq_counts[0][0x30]) == before + 1,
		 "INT 0x30 delivered once after the exit during its delivery (%lu)",
		 (u64)G_READ(g_irq_counts[0][0x30]) - before);

	asm volatile("sidt %0" : "=m"(idtr));
	g_expect_fault(6, 2);
	asm volatile("vmcall; ud2"
		     : "+a"(*(long[]){HC_TEST})
		     : "D"(OP_TAKE_PAGE), "S"((idtr.base + 6 * 16) & ~0xfffull), "d"(0)
		     : "memory");
	g_report(g_faults_seen() == 1, "#UD delivered once after the exit during its delivery (%u)",
		 g_faults_seen());

	before = G_READ(g_irq_counts[0][0x31]);
	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	asm volatile("vmcall; movl $0x31, %%eax; xorl %%edx, %%edx; wrmsr; sti; nop; cli"
		     : "+a"(*(long[]){HC_TEST})
		     : "D"(OP_TAKE_PAGE), "S"((rsp - 64) & ~0xfffull), "d"(0), "c"(0x83f)
		     : "memory");
	g_report(G_READ(g_irq_counts[0][0x31]) == before + 1,
		 "self-IPI 0x31 delivered once after the exit during its delivery (%lu)",
		 (u64)G_READ(g_irq_counts[0][0x31]) - before);
	return 0;
}
