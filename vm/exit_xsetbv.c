/*
 * XSETBV exits (XSETBV always exits in VMX non-root operation, SDM Vol. 3C 26.1.2).  The #UD
 * (CR4.OSXSAVE = 0, LOCK) and the CPL > 0 #GP come before the exit (26.1.1), so what is left
 * to check is the instruction's own #GP(0) conditions: ECX must name XCR0, and the value must
 * be a valid XCR0 of the components pihv offers (vm/xcr0.h).  The new XCR0 is the vCPU's own
 * (vm/vcpu_ctx.c keeps it per vCPU and in the register while the vCPU is loaded).
 */
#include "arch/x86/xsave.h"
#include "vm/exit.h"
#include "vm/vcpu.h"
#include "vm/xcr0.h"

#define GP_VECTOR 13

enum exit_action exit_xsetbv(struct vcpu *v)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;

	if ((u32)v->regs.rcx != 0 || !xcr0_valid(val, xsave_mask())) {
		v->gp_injected++;
		vcpu_inject_exception(v, GP_VECTOR, true, 0);
		return EXIT_RESUME;
	}
	vcpu_ctx_set_xcr0(v, val);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
