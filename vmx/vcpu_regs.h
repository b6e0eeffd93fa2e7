/*
 * Guest registers that the VMCS does not hold, saved and restored by vmx/entry.S around each
 * VM entry/exit.  The offsets are shared with the assembly through the VREG_* constants and
 * checked against the C struct by static_assert in vcpu.c.
 */
#ifndef VMX_VCPU_REGS_H
#define VMX_VCPU_REGS_H

#define VREG_RAX  0
#define VREG_RBX  8
#define VREG_RCX  16
#define VREG_RDX  24
#define VREG_RSI  32
#define VREG_RDI  40
#define VREG_RBP  48
#define VREG_R8	  56
#define VREG_R9	  64
#define VREG_R10  72
#define VREG_R11  80
#define VREG_R12  88
#define VREG_R13  96
#define VREG_R14  104
#define VREG_R15  112
#define VREG_CR2  120
#define VREG_SIZE 128

/* vmx_enter()'s flags */
#define VMX_ENTER_RESUME 1 /* VMRESUME: the VMCS is launched; else VMLAUNCH */
#define VMX_ENTER_VERW	 2 /* VERW just before the entry: CPU buffers overwritten (MDS) */
/* VERW's operand: a writable data segment selector (the host's SEL_KDATA, vm/vcpu.c checks) */
#define VMX_VERW_SEL 0x10

#ifndef __ASSEMBLY__
#include "lib/types.h"

/* RSP, RIP and RFLAGS live in the VMCS. */
struct vcpu_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 cr2;
};

/*
 * Enters the guest of the current VMCS with VMLAUNCH or VMRESUME (flags & VMX_ENTER_RESUME) and
 * returns at its next VM exit (or failed entry, which the VMCS reports as an exit with bit 31
 * set).  VMX_ENTER_VERW adds a VERW right before it (vm/vm_barrier.c).
 * @pre IRQs off; the current VMCS's host state is this pCPU's; HOST_RIP = vmx_exit_stub.
 * @post 0 after a VM exit (regs hold the guest's registers), 1 on VMfailInvalid,
 *       2 on VMfailValid (VM_INSTRUCTION_ERROR says why); host callee-saved registers kept.
 */
int vmx_enter(struct vcpu_regs *regs, u64 flags);
/* The host-state RIP of every VMCS: no RSB overwrite, one entry (PBRSB), all 32 entries. */
void vmx_exit_stub(void);
void vmx_exit_stub_rsb_lite(void);
void vmx_exit_stub_rsb_full(void);
/* Runs host IDT vector `vector` as if it had arrived (for exits with ack-interrupt-on-exit). */
void vmx_host_int(u8 vector);
#endif

#endif
