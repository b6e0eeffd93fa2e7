/*
 * AP start-up trampoline (guests/apboot.h).  A SIPI with vector ap_boot >> 12 starts an AP here
 * in real mode: CS = vector << 8, IP = 0 (SDM Vol. 3A 9.4.4, 11.6.1).  It records CS and IP,
 * counts itself, and goes real mode -> 32-bit protected mode -> IA-32e mode (SDM Vol. 3A 10.8.5):
 * its own GDT (code64 0x08 and data 0x10 as in vm/guest_abi.h, so the guest's IDT gates stay
 * valid; code32 0x18), CR4.PAE, CR3 = the loader's page tables, EFER.LME, CR0.PG.  Then each AP
 * finds its index (CPUID.1:EBX[31:24], the initial APIC ID), takes the stack the guest ABI gives
 * that index and calls ap_entry(index).
 */
#include "vm/guest_abi.h"

	.section .text.apboot, "ax"
	.balign 4096
	.globl ap_boot
	.code16
ap_boot:
	cli
	mov %cs, %ax
	mov %ax, %ds
	mov %ax, ga_ap_seen - ap_boot		/* .cs */
	call 1f
1:	pop %bx
	sub $(1b - ap_boot), %bx
	mov %bx, ga_ap_seen + 2 - ap_boot	/* .ip: the IP ap_boot ran at */
	lock incw ga_ap_seen + 4 - ap_boot	/* .arrived */
	lgdtl ap_gdtr - ap_boot
	mov %cr0, %eax
	or $1, %eax				/* PE */
	mov %eax, %cr0
	ljmpl $0x18, $ap_pm32

	.code32
ap_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax				/* PAE */
	mov %eax, %cr4
	mov $GUEST_PML4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx			/* IA32_EFER */
	rdmsr
	or $0x100, %eax				/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax			/* PG: IA-32e mode */
	mov %eax, %cr0
	ljmp $0x08, $ap_lm64

	.code64
ap_lm64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $1, %eax
	cpuid
	shr $24, %ebx
	mov %rbx, %rdi				/* index */
	imul $GUEST_STACK_SIZE, %rbx, %rax
	mov ga_ap_seen + 8(%rip), %rsp		/* .stack_top0 */
	sub %rax, %rsp
	call ap_entry
2:	hlt
	jmp 2b

	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00af9b000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff		/* 0x10: data */
	.quad 0x00cf9b000000ffff		/* 0x18: 32-bit code */
ap_gdtr:
	.word 4 * 8 - 1
	.long ap_gdt

	.balign 8
	.globl ga_ap_seen
ga_ap_seen:					/* struct ga_ap_seen */
	.fill 48, 1, 0
