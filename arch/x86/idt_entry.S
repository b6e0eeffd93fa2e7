/*
 * One stub per vector: push a dummy error code where the CPU pushes none (SDM Vol. 3A 6.3.1
 * table 6-1: 8, 10-14, 17, 21, 29, 30 have one), push the vector, save the GPRs into a
 * struct trap_frame and call trap_dispatch(frame).
 */
	.text
	.altmacro
.macro stub vec
	.balign 16
trap_stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
.endm

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
	mov %rsp, %rdi
	cld
	call trap_dispatch
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
	add $16, %rsp
	iretq

.macro stubaddr vec
	.quad trap_stub_\vec
.endm
	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
.set i, 0
.rept 256
	stubaddr %i
	.set i, i + 1
.endr
