/*
 * Exception entry for vectors 0-31 (64-bit IDT, SDM Vol. 3A 7.14): each stub makes the frame
 * uniform (a zero error code where the CPU pushes none), pushes its vector and calls
 * exc_handle(struct exc_frame *) in exc.c, which may move the saved RIP to a recovery label.
 */
	.text
	.code64

	.globl exc_stubs
	.balign 16
exc_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	/* vectors with an error code: 8, 10-14, 17, 21, 29, 30 (SDM Vol. 3A table 7-1) */
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp exc_common
	.set vec, vec + 1
	.endr

/* Two interrupt vectors for the APIC checks (t_apic.c): no error code, vector pushed as 0x40+n. */
	.globl irq_stubs
	.balign 16
irq_stubs:
	.set vec, 0x40
	.rept 2
	.balign 16
	pushq $0
	pushq $vec
	jmp irq_common
	.set vec, vec + 1
	.endr

irq_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq 72(%rsp), %rdi	/* the vector */
	call irq_handle
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

/* The AP's first instructions after its SIPI (t_apic.c copies them to 0x8000): real mode,
 * CS = 0x800.  It marks its arrival at 0x8ff0 and halts for good. */
	.globl ap_tramp, ap_tramp_end
	.code16
ap_tramp:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movb $0xa5, 0x8ff0
1:	hlt
	jmp 1b
ap_tramp_end:
	.code64

exc_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rdi
	call exc_handle
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp		/* vector, error code */
	iretq
