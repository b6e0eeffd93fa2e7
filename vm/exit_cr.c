/*
 * Control-register access exits.  CR0 is the guest's (mask 0) and CR3/CR8 accesses do not
 * exit (no CR3 exiting; TPR shadow), so only a MOV to CR4 that sets a bit the host owns comes
 * here: CR4_GUEST_HOST_MASK holds VMXE and PKE and their read shadow is 0, so the write exits
 * exactly when it sets one of them (SDM Vol. 3C 26.1.3).  The guest sees a CPU without VMX and
 * without protection keys (CPUID says so, exit_cpuid.c), on which setting either bit raises
 * #GP(0) (SDM Vol. 3A 2.5 "CR4").  Qualification layout: SDM Vol. 3C table 28-3.
 */
#include "arch/x86/cpu.h"
#include "vm/exit.h"
#include "vm/vcpu.h"
#include "vmx/vmcs.h"

#define GP_VECTOR	13
#define CR_QUAL_CR(q)	((q)&0xf)
#define CR_QUAL_TYPE(q) (((q) >> 4) & 3) /* 0 = MOV to CR */
#define CR_QUAL_GPR(q)	(((q) >> 8) & 0xf)

/* The source operand: GPR number as in the qualification (0 RAX ... 4 RSP ... 15 R15). */
static u64 gpr(struct vcpu *v, u32 n)
{
	const struct vcpu_regs *r = &v->regs;
	const u64 by_number[16] = {r->rax, r->rcx, r->rdx, r->rbx, 0,	   r->rbp, r->rsi, r->rdi,
				   r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};

	return n == 4 ? vmcs_readnat(GUEST_RSP) : by_number[n];
}

enum exit_action exit_cr_access(struct vcpu *v)
{
	u64 q = v->exit_qual;

	if (CR_QUAL_CR(q) != 4 || CR_QUAL_TYPE(q) != 0 ||
	    !(gpr(v, CR_QUAL_GPR(q)) & (CR4_VMXE | CR4_PKE)))
		return vmx_exit_fatal(v, "unexpected control-register access exit");
	v->gp_injected++;
	vcpu_inject_exception(v, GP_VECTOR, true, 0);
	return EXIT_RESUME;
}
