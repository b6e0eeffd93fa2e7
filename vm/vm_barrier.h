/*
 * INTERFACE: what runs between the guests on a pCPU so that microarchitectural state does not
 * carry one VM's secrets to another or to the host (arch/x86/spec.h decides what the CPU needs):
 *   - IBPB before entering a VM other than the one this pCPU entered last (the branch
 *     predictors another VM trained must not steer this one);
 *   - L1D flush (L1TF) and/or VERW (MDS and relatives) right before every VM entry;
 *   - the RSB overwritten right after every VM exit: the exit stub that HOST_RIP names
 *     (vmx/entry.S; chosen by vm/vcpu_vmcs.c).
 * vm_barrier_entry() is inline: it runs at every entry, and usually does nothing but compare.
 */
#ifndef VM_VM_BARRIER_H
#define VM_VM_BARRIER_H

#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/types.h"
#include "vm/vcpu.h"

/* Per pCPU; written only by that pCPU (IRQs off), counters read after a run. */
struct vm_barrier_pcpu {
	const struct vm *last_vm; /* the VM this pCPU entered last (VMs are never freed) */
	u64 entries;		  /* entries that took the barriers below (all of them) */
	u64 ibpbs;		  /* IBPBs at a change of VM */
	u64 l1d_flushes;	  /* L1D flushes before an entry */
};
extern struct vm_barrier_pcpu vm_barrier_pcpu[MAX_CPUS];
/* Set by the BSP's INIT_VM initcall from the policy, read-only after: VMX_ENTER_VERW or 0. */
extern u64 vm_barrier_flags;
extern bool vm_barrier_l1d;

/* Out of line: the rare parts. */
void vm_barrier_vm_change(struct vcpu *v, u32 cpu);
void vm_barrier_l1d_flush(u32 cpu);

/* Last step before vmx_enter() on cpu, IRQs off.  @return vmx_enter()'s VMX_ENTER_VERW bit. */
static inline u64 vm_barrier_entry(struct vcpu *v, u32 cpu)
{
	struct vm_barrier_pcpu *b = &vm_barrier_pcpu[cpu];

	if (unlikely(b->last_vm != v->vm))
		vm_barrier_vm_change(v, cpu);
	if (unlikely(vm_barrier_l1d))
		vm_barrier_l1d_flush(cpu);
	b->entries++;
	return vm_barrier_flags;
}

#endif
