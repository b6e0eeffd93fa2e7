/* clang-format off: gas macros, not C (included from .S files only) */
/*
 * Leaf header for assembly: the interrupt stub and the GPR save/restore that build a
 * struct trap_frame (arch/x86/trap.h).  Shared by the host's IDT (idt_entry.S) and by the
 * guests' own IDT (guests/start.S), which are separate programs with the same frame layout.
 */
#ifndef ARCH_X86_TRAP_STUBS_H
#define ARCH_X86_TRAP_STUBS_H

/*
 * One stub per vector: push a dummy error code where the CPU pushes none (SDM Vol. 3A 6.3.1
 * table 6-1: 8, 10-14, 17, 21, 29, 30 have one), push the vector, jump to trap_common.
 */
.macro trap_stub vec
	.balign 16
trap_stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
.endm

/* struct trap_frame order: r15 ends up at the lowest address. */
.macro push_gprs
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
.endm

/* Undoes push_gprs and drops the vector and error code. */
.macro pop_gprs_and_code
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
	addq $16, %rsp
.endm

/*
 * The 256 stubs (needs .altmacro for %i) and trap_common, which builds the frame and calls
 * handler(struct trap_frame *) with DF clear (SysV ABI), then returns from the interrupt.
 */
.macro trap_stubs_and_common handler
	.set i, 0
	.rept 256
	trap_stub %i
	.set i, i + 1
	.endr

trap_common:
	push_gprs
	movq %rsp, %rdi
	cld
	call \handler
	pop_gprs_and_code
	iretq
.endm

#endif
