/*
 * trace_emit_thunk: trace_emit() for the trace points' inline-asm call (trace/trace.h).  The
 * arguments come in the C argument registers (rdi type, rsi flags, rdx vcpu, rcx a, r8 b) and
 * every register is preserved, so the compiler sees a trace point as an instruction that
 * clobbers nothing: a function with one keeps no value in a callee-saved register on its
 * account, and tracing off costs that function nothing but the flag test (docs/bench.md).
 * The stack is realigned for the C call: the trace point's caller may be anywhere in its frame.
 */
	.text
	.globl	trace_emit_thunk
	.type	trace_emit_thunk, @function
trace_emit_thunk:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbp
	movq	%rsp, %rbp
	andq	$-16, %rsp
	call	trace_emit
	movq	%rbp, %rsp
	popq	%rbp
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	ret
	.size	trace_emit_thunk, . - trace_emit_thunk
	.section .note.GNU-stack, "", @progbits
