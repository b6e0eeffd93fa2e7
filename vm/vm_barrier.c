/*
 * Speculative-execution barriers around guest execution (vm_barrier.h).  IBPB is tied to the
 * VM actually entered, not to scheduling: a vCPU switched in but never entered (its VM was
 * killed) leaves the predictors as they were, and two vCPUs of one VM take turns without one.
 */
#include "arch/x86/spec.h"
#include "lib/initcall.h"
#include "vm/vm_barrier.h"
#include "vmx/vcpu_regs.h"

struct vm_barrier_pcpu vm_barrier_pcpu[MAX_CPUS];
u64 vm_barrier_flags;
bool vm_barrier_l1d;

void vm_barrier_vm_change(struct vcpu *v, u32 cpu)
{
	struct vm_barrier_pcpu *b = &vm_barrier_pcpu[cpu];

	if (b->last_vm && spec_policy()->ibpb) {
		spec_ibpb();
		b->ibpbs++;
	}
	b->last_vm = v->vm;
}

void vm_barrier_l1d_flush(u32 cpu)
{
	spec_l1d_flush();
	vm_barrier_pcpu[cpu].l1d_flushes++;
}

/* INIT_VM, before any VM exists: the per-entry part of the policy, in the form entries use. */
static int vm_barrier_init(void)
{
	const struct spec_policy *p = spec_policy();

	vm_barrier_flags = p->verw ? VMX_ENTER_VERW : 0;
	vm_barrier_l1d = p->l1d_flush;
	return 0;
}
INITCALL(INIT_VM, vm_barrier_init);
