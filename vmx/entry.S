/*
 * VM entry and exit (SDM Vol. 3C ch. 27 and 28).  The VMCS saves and loads RSP, RIP, RFLAGS,
 * segment and control registers; everything else (GPRs, CR2) is swapped here.  At a VM exit
 * the CPU loads HOST_RSP, which vmx_enter set to a frame holding the host callee-saved
 * registers and the regs pointer, and jumps to HOST_RIP (one of the exit stubs) with
 * guest values in every GPR.
 */
#include "vmx/vcpu_regs.h"

#define HOST_RSP_FIELD 0x6c14 /* SDM Vol. 3D B.4.4 */

	.text
	.globl vmx_enter
	.type vmx_enter, @function
/* int vmx_enter(struct vcpu_regs *regs (rdi), u64 flags (rsi)) */
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* (%rsp) = regs, found again by the exit stub */
	movq $HOST_RSP_FIELD, %rax
	vmwrite %rsp, %rax
	jbe .Lfail_early

	movq VREG_CR2(%rdi), %rax
	movq %rax, %cr2
	/*
	 * VERW with a memory operand overwrites the CPU buffers on MD_CLEAR microcode (Intel's
	 * MDS guidance).  After it the host touches only the guest's own registers in regs.
	 */
	testq $VMX_ENTER_VERW, %rsi
	jz 1f
	verw vmx_verw_sel(%rip)
1:	testq $VMX_ENTER_RESUME, %rsi	/* the movs below keep these flags for the jnz */
	movq VREG_RAX(%rdi), %rax
	movq VREG_RBX(%rdi), %rbx
	movq VREG_RCX(%rdi), %rcx
	movq VREG_RDX(%rdi), %rdx
	movq VREG_RSI(%rdi), %rsi
	movq VREG_RBP(%rdi), %rbp
	movq VREG_R8(%rdi), %r8
	movq VREG_R9(%rdi), %r9
	movq VREG_R10(%rdi), %r10
	movq VREG_R11(%rdi), %r11
	movq VREG_R12(%rdi), %r12
	movq VREG_R13(%rdi), %r13
	movq VREG_R14(%rdi), %r14
	movq VREG_R15(%rdi), %r15
	movq VREG_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp .Lfail
1:	vmresume
.Lfail:
	/* Only reached when the instruction failed: CF=1 VMfailInvalid, ZF=1 VMfailValid. */
	movl $1, %eax
	jc 2f
	movl $2, %eax
2:	addq $8, %rsp			/* the regs pointer */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
.Lfail_early:
	movl $1, %eax
	jc 2b
	movl $2, %eax
	jmp 2b

/*
 * The exit path, three times: HOST_RIP names the one the speculation policy wants (vm/vcpu_vmcs.c,
 * vmx_exit_stubs[]).  Before the host's first RET, return predictions the guest left in the RSB
 * must not steer it: "full" overwrites all 32 entries with calls whose return addresses are int3
 * traps, then drops the stack; "lite" does one call, enough on eIBRS parts against PBRSB (Intel's
 * "Post-barrier Return Stack Buffer Predictions" guidance); the plain stub does neither.
 */
.macro exit_stub name, rsb
	.globl \name
	.type \name, @function
\name:
	pushq %rax			/* guest rax; 8(%rsp) = regs */
	movq 8(%rsp), %rax
	movq %rbx, VREG_RBX(%rax)
	movq %rcx, VREG_RCX(%rax)
	movq %rdx, VREG_RDX(%rax)
	movq %rsi, VREG_RSI(%rax)
	movq %rdi, VREG_RDI(%rax)
	movq %rbp, VREG_RBP(%rax)
	movq %r8, VREG_R8(%rax)
	movq %r9, VREG_R9(%rax)
	movq %r10, VREG_R10(%rax)
	movq %r11, VREG_R11(%rax)
	movq %r12, VREG_R12(%rax)
	movq %r13, VREG_R13(%rax)
	movq %r14, VREG_R14(%rax)
	movq %r15, VREG_R15(%rax)
	popq VREG_RAX(%rax)
	movq %cr2, %rbx
	movq %rbx, VREG_CR2(%rax)
	.if \rsb == 2
	movl $16, %ecx
1:	call 2f
	int3
2:	call 3f
	int3
3:	decl %ecx
	jnz 1b
	addq $(8 * 32), %rsp
	lfence
	.elseif \rsb == 1
	call 1f
	int3
1:	addq $8, %rsp
	lfence
	.endif
	addq $8, %rsp			/* the regs pointer */
	xorl %eax, %eax
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
.endm

	exit_stub vmx_exit_stub, 0
	exit_stub vmx_exit_stub_rsb_lite, 1
	exit_stub vmx_exit_stub_rsb_full, 2

	.section .rodata
	.balign 2
vmx_verw_sel:
	.word VMX_VERW_SEL		/* a writable data segment: VERW sets ZF */
	.text

/*
 * With "acknowledge interrupt on exit" the exit has already taken the vector from the local
 * APIC (SDM Vol. 3C 28.2.2); `int $n` runs the host's handler for it through the IDT, which
 * also sends the EOI (arch/x86/trap.c).  A software INT ignores RFLAGS.IF, so this works with
 * IRQs off.  Table of 256 stubs, 8 bytes each: `int $n; ret`.
 */
	.globl vmx_host_int
	.type vmx_host_int, @function
vmx_host_int:
	movzbl %dil, %eax
	leaq vmx_int_stubs(%rip), %rdx
	leaq (%rdx, %rax, 8), %rax
	jmp *%rax

	.balign 8
vmx_int_stubs:
	.set vec, 0
	.rept 256
	.balign 8
	int $vec
	ret
	.set vec, vec + 1
	.endr
