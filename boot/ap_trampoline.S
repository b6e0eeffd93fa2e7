/*
 * AP trampoline: real mode -> protected mode -> long mode -> smp_ap_entry(ticket).
 *
 * arch/x86/smp.c copies this page (from .trampoline, in the image's .data) to a free 4 KiB
 * page P below 1 MiB, fills in the parameter block and the absolute addresses below, and
 * sends SIPIs with vector P >> 12: the AP starts in real mode at CS = P >> 4, IP = 0 (SDM
 * Vol. 3A 9.4.4.1, 11.6.1).  The code therefore only uses offsets from the page start: in
 * real mode through DS = CS, later through %ebx = P.
 *
 * All APs run this page at the same time (the BSP starts them together), so nothing here is
 * written except the ticket, taken with LOCK XADD: ticket i selects stack i of the block.
 * A CPU whose ticket has no stack parks with IRQs off.
 */
#include "lib/config.h"

#include "arch/x86/cpu_regs.h"
#include "arch/x86/msr.h"

#define SEL_CODE32 0x08
#define SEL_DATA 0x10
#define SEL_CODE64 0x18

#define OFF(x) ((x) - ap_trampoline)

	.section .trampoline, "aw"
	.code16
	.globl ap_trampoline
ap_trampoline:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	movzwl %ax, %ebx
	shl $4, %ebx /* %ebx = P, the page's linear address, for the rest of the way */
	lgdtl OFF(ap_tramp_gdtr)
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl *OFF(ap_tramp_pm_ptr) /* far pointer m16:32 -> pm32 through the 32-bit code segment */

	.code32
	.globl ap_tramp_pm32
ap_tramp_pm32:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	/* Long mode: CR4.PAE, CR3, EFER.LME, then CR0.PG (SDM Vol. 3A 10.8.5), values of the BSP */
	mov OFF(ap_tramp_params) + 8(%ebx), %eax /* cr4 */
	mov %eax, %cr4
	mov OFF(ap_tramp_params) + 0(%ebx), %eax /* cr3, below 4 GiB */
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	mov OFF(ap_tramp_params) + 16(%ebx), %eax /* efer: LME, NXE */
	xor %edx, %edx
	wrmsr
	mov $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0
	ljmp *OFF(ap_tramp_lm_ptr)(%ebx)

	.code64
	.globl ap_tramp_lm64
ap_tramp_lm64:
	mov %ebx, %ebx /* the upper halves of GPRs are undefined after the mode switch */
	mov $1, %eax
	lock xadd %eax, OFF(ap_tramp_params) + 32(%rbx) /* ticket */
	cmp OFF(ap_tramp_params) + 36(%rbx), %eax /* nr_stacks */
	jae 1f
	mov OFF(ap_tramp_params) + 40(%rbx, %rax, 8), %rsp /* stacks[ticket] */
	mov %eax, %edi
	xor %ebp, %ebp
	mov OFF(ap_tramp_params) + 24(%rbx), %rax /* entry */
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 16
ap_tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff /* 0x10: data, flat */
	.quad 0x00af9a000000ffff /* 0x18: 64-bit code */
ap_tramp_gdt_end:
	.globl ap_tramp_gdtr
ap_tramp_gdtr:
	.short ap_tramp_gdt_end - ap_tramp_gdt - 1
	.long OFF(ap_tramp_gdt) /* smp.c adds P */
	.balign 8
	.globl ap_tramp_pm_ptr
ap_tramp_pm_ptr:
	.long OFF(ap_tramp_pm32) /* smp.c adds P */
	.short SEL_CODE32
	.balign 8
	.globl ap_tramp_lm_ptr
ap_tramp_lm_ptr:
	.long OFF(ap_tramp_lm64) /* smp.c adds P */
	.short SEL_CODE64
	/* struct ap_tramp_params (smp.c): cr3, cr4, efer, entry, ticket, nr_stacks, stacks[] */
	.balign 8
	.globl ap_tramp_params
ap_tramp_params:
	.skip 8 * 4 + 4 * 2 + 8 * MAX_CPUS
	.globl ap_trampoline_end
ap_trampoline_end:
