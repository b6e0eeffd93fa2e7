/*
 * INTERFACE: speculative-execution mitigations (the policy: arch/x86/spec_policy.h).  The BSP
 * decides once, as it comes up, from CPUID and IA32_ARCH_CAPABILITIES (and the kernel option
 * spec=all) and prints one line of what is on; every CPU then writes the host IA32_SPEC_CTRL.
 * What runs at VM switches and entries, and when, is vm/vm_barrier.c's.
 */
#ifndef ARCH_X86_SPEC_H
#define ARCH_X86_SPEC_H

#include "arch/x86/cpu.h"
#include "arch/x86/spec_policy.h"

#define MSR_IA32_SPEC_CTRL	   0x48
#define MSR_IA32_PRED_CMD	   0x49
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_IA32_FLUSH_CMD	   0x10b
#define PRED_CMD_IBPB		   1
#define FLUSH_CMD_L1D		   1

/* @post valid once the BSP ran its CPUINITs (before any AP starts); read-only afterwards. */
const struct spec_policy *spec_policy(void);

/* Indirect branch prediction barrier (IA32_PRED_CMD.IBPB). */
static inline void spec_ibpb(void)
{
	wrmsr(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
}
/* Writes back and invalidates the L1 data cache (IA32_FLUSH_CMD.L1D_FLUSH). */
static inline void spec_l1d_flush(void)
{
	wrmsr(MSR_IA32_FLUSH_CMD, FLUSH_CMD_L1D);
}

#endif
