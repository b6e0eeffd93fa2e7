/*
 * vmx-spec: the speculative-execution barriers of vm/vm_barrier.c, counted against what the
 * test sees at every VM entry (the test point right before VMLAUNCH/VMRESUME).  Three vCPUs
 * on one pCPU take turns (guests/worker.c yields every round): "two" has two vCPUs, "one" has
 * one.  Entering a VM other than the last entered there takes exactly one IBPB, and a turn
 * between the two vCPUs of "two" takes none; every entry takes the L1D flush and the VERW,
 * and every exit the RSB overwrite, that arch/x86/spec.c decided this CPU needs (spec=all: all
 * of them).
 */
#include "arch/x86/percpu.h"
#include "arch/x86/spec.h"
#include "lib/printk.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vm/vm_barrier.h"
#include "vmx/vcpu_regs.h"
#include "vmx/vmcs.h"

/* Written at the entry points of the run's vCPUs, all on the one pCPU. */
static struct {
	const struct vm *last_vm;
	const struct vcpu *last_vcpu;
	u64 entries, vm_changes, same_vm_turns;
} seen;

static void at_entry(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	if (p != VTP_BEFORE_ENTRY)
		return;
	seen.entries++;
	if (seen.last_vm && seen.last_vm != v->vm)
		seen.vm_changes++;
	else if (seen.last_vcpu && seen.last_vcpu != v)
		seen.same_vm_turns++;
	seen.last_vm = v->vm;
	seen.last_vcpu = v;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	return (u64)-1;
}

/* The exit stub a vCPU's VMCS names (HOST_RIP), read back from the VMCS itself. */
static u64 host_rip(struct vcpu *v)
{
	u64 rip = 0;

	if (vmcs_load((u64)v->vmcs)) {
		rip = vmcs_readnat(HOST_RIP);
		vmcs_clear((u64)v->vmcs);
	}
	return rip;
}

static void vmx_spec(void)
{
	static const char *const rsb_names[] = {"none", "lite", "full"};
	const u64 stubs[] = {(u64)vmx_exit_stub, (u64)vmx_exit_stub_rsb_lite,
			     (u64)vmx_exit_stub_rsb_full};
	const struct spec_policy *p = spec_policy();
	struct vm_barrier_pcpu b0, *b = &vm_barrier_pcpu[0];
	struct vm *vms[2];

	if (!pi_case_need(1, false))
		return;
	if (pcpu_count() != 1) {
		report_skip("one pCPU wanted (smp = 1): the VMs must share it");
		return;
	}
	vms[0] = pi_case_vm("worker", "two", 2, 0, hook);
	vms[1] = pi_case_vm("worker", "one", 1, 0, hook);
	if (!vms[0] || !vms[1])
		return;
	for (u32 i = 0; i < 2; i++)
		for (u32 j = 0; j < vms[i]->nr_vcpus; j++)
			tseam_set_point(vms[i]->vcpus[j], at_entry);
	b0 = *b;
	vm_run(vms, 2);
	for (u32 i = 0; i < 2; i++) {
		vm_print_stats(vms[i]);
		report(pi_case_finished(vms[i]), "%s finished", vms[i]->name);
	}
	u64 entries = b->entries - b0.entries, ibpbs = b->ibpbs - b0.ibpbs;
	u64 l1d = b->l1d_flushes - b0.l1d_flushes;
	printk("iso: %lu entries, %lu changes of VM, %lu turns within a VM; %lu IBPB, %lu L1D "
	       "flushes\n",
	       seen.entries, seen.vm_changes, seen.same_vm_turns, ibpbs, l1d);
	report(seen.vm_changes >= 8 && seen.same_vm_turns >= 4,
	       "the VMs interleaved: %lu changes of VM, %lu turns within a VM", seen.vm_changes,
	       seen.same_vm_turns);
	report(entries == seen.entries, "every entry went through the barriers (%lu of %lu)",
	       entries, seen.entries);
	report(ibpbs == (p->ibpb ? seen.vm_changes : 0),
	       "IBPB %s: %lu, one per change of VM and none within a VM",
	       p->ibpb ? "on" : "off (CPU has none)", ibpbs);
	report(l1d == (p->l1d_flush ? seen.entries : 0), "L1D flush %s: %lu of %lu entries",
	       p->l1d_flush ? "on" : "off", l1d, seen.entries);
	report(!!(vm_barrier_flags & VMX_ENTER_VERW) == p->verw, "VERW %s at every entry",
	       p->verw ? "on" : "off");
	for (u32 i = 0; i < 2; i++)
		report(host_rip(vms[i]->vcpus[0]) == stubs[p->rsb],
		       "%s: VM exits land in the exit stub with RSB overwrite %s", vms[i]->name,
		       rsb_names[p->rsb]);
}
KTEST("vmx-spec", vmx_spec, "IBPB between VMs, L1D flush / VERW / RSB at every entry");
