/*
 * INTERFACE: the guest CPU state that VMX does not switch (SDM Vol. 3C 28.3, 28.5: a VM exit
 * saves and loads RSP, RIP, RFLAGS, CR0/3/4, DR7, segments, and the MSRs its controls name;
 * nothing else) and pihv therefore switches per vCPU when a pCPU changes vCPU:
 *   - x87/SSE/AVX/AVX-512 registers and XCR0 (XSAVE area per vCPU; XSETBV exits, exit_xsetbv);
 *   - DR0-DR3 and DR6 (DR7 and IA32_DEBUGCTL are in the VMCS);
 *   - IA32_KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK and TSC_AUX, which SWAPGS, SYSCALL,
 *     RDTSCP and RDPID use without an exit; RDMSR/WRMSR of them exit (exit_msr.c) and are
 *     emulated against the registers, with the CPU's own checks.
 * The host itself uses none of these (no FP/SIMD code, no SWAPGS/SYSCALL, no debug
 * breakpoints), so guest values may stay in the registers while the host runs: they are saved at
 * switch-out and restored at switch-in, not at every exit.  A vCPU switched back in on the pCPU
 * whose registers still hold its state (nothing else was loaded there meanwhile) skips the
 * restore.  PKRU is not switched: guests cannot set CR4.PKE (exit_cr.c).
 */
#ifndef VM_VCPU_CTX_H
#define VM_VCPU_CTX_H

#include "lib/config.h"
#include "lib/types.h"

struct vcpu;

#define VCPU_CTX_MSRS 6

struct vcpu_ctx {
	void *xarea; /* xsave_size() bytes, page-aligned: XSAVE (or FXSAVE) image */
	u64 xcr0;    /* the guest's XCR0: in the register while this vCPU is loaded */
	u64 dr[4], dr6;
	u64 msrs[VCPU_CTX_MSRS]; /* in vcpu_ctx.c's msr order */
	u64 serial;		 /* unique per vCPU, never reused: the registers' owner tag */
	u32 cpu;		 /* pCPU whose registers this state was last saved from */
};

/* Per-pCPU counters; written by the pCPU itself, read after a run. */
struct vcpu_ctx_stats {
	u64 saves, save_ticks; /* switch-outs and the TSC ticks they spent here */
	u64 loads, load_ticks; /* switch-ins that restored, and their ticks */
	u64 load_skips;	       /* switch-ins that found their state still in the registers */
};
extern struct vcpu_ctx_stats vcpu_ctx_stats[MAX_CPUS];

/* A fresh vCPU's state: x87/SSE in their initial state, XCR0 = 1, zeroes.  @return 0 or -1. */
int vcpu_ctx_init(struct vcpu *v);
/* switch_out on cpu, IRQs off: the registers into v's context; XCR0 back to xsave_mask(). */
void vcpu_ctx_save(struct vcpu *v, u32 cpu);
/* switch_in on cpu, IRQs off: v's context into the registers (unless they still hold it). */
void vcpu_ctx_load(struct vcpu *v, u32 cpu);
/* XSETBV exit: v's new XCR0, checked by the caller.  @pre v loaded on this pCPU. */
void vcpu_ctx_set_xcr0(struct vcpu *v, u64 xcr0);
/* RDMSR of a switched MSR.  @pre v loaded here.  @return false: not one of them. */
bool vcpu_ctx_rdmsr(struct vcpu *v, u32 msr, u64 *val);
/* WRMSR of one.  @pre v loaded here.  @return 1 done, 0 not one of them, -1 #GP(0). */
int vcpu_ctx_wrmsr(struct vcpu *v, u32 msr, u64 val);

#endif
