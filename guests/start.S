/*
 * Guest entry and exception stubs.  The loader enters at the first byte with RDI = vCPU index
 * and RSI = vCPU count (vmx/guest_abi.h); guest_entry() installs the guest's own IDT and
 * calls guest_main().  Every exception and interrupt (vectors 32-255: APIC vectors, counted by
 * guests/lib.c) goes through trap_common to guest_trap(frame).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	call guest_entry
1:	hlt
	jmp 1b

	.text
/* Vectors with a CPU-pushed error code (SDM Vol. 3A 6.3.1): 8, 10-14, 17, 21, 29, 30. */
.macro stub n
	.balign 16
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm

	.altmacro
	.globl guest_stubs
	.balign 16
guest_stubs:
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	call guest_trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector, error code */
	iretq
