/*
 * vmx-vpid-migrate: a vCPU hopping between the four pCPUs (guests/vpidhop.c) changes its own
 * page tables on each with a local INVLPG only.  A pCPU it comes back to may still hold
 * translations tagged with its VPID from its last stay, so every switch-in on a pCPU other
 * than the last one must flush them (INVVPID, SDM Vol. 3C 29.4.3.3).  The host counts the
 * pCPU changes it observes at VM entry (the test point before VMLAUNCH) and checks that each
 * came with one flush.  Bochs flushes its whole TLB at every VM entry and exit, so the guest's
 * own check (no stale read) cannot fail there; on hardware it can (docs/isolation.md).
 */
#include "arch/x86/percpu.h"
#include "guests/isocpu.h"
#include "lib/printk.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmx/vmx.h"
#include "kernel/sched.h"

#define HOPS 24

static const u32 role = HOP_ROLE | HOPS << 8;

/* Written at the vCPU's entry points only, one pCPU at a time (the vCPU's). */
static struct {
	u32 last;    /* pCPU of the previous entry, ~0 before the first */
	u64 changes; /* entries on a pCPU other than the previous one's (the first included) */
} hop;

static void at_entry(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	u32 cpu = pcpu_id();

	if (p != VTP_BEFORE_ENTRY || cpu == hop.last)
		return;
	hop.changes++;
	hop.last = cpu;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	switch (op) {
	case ISO_OP_ROLE:
		return role;
	case ISO_OP_HOP:
		return a < pcpu_count() && sched_migrate(&v->se, (u32)a);
	case ISO_OP_CPU:
		return pcpu_id();
	}
	return (u64)-1;
}

static void vmx_vpid_migrate(void)
{
	struct vm *vm;
	struct vcpu *v;

	if (!pi_case_need(4, false))
		return;
	if (!vmx_get_controls()->vpid) {
		report_skip("no VPIDs on this CPU: every VM entry and exit flushes");
		return;
	}
	vm = pi_case_vm("vpidhop", "hopper", 1, 0, hook);
	if (!vm)
		return;
	v = vm->vcpus[0];
	vm_unpin(vm);
	hop.last = ~0u;
	tseam_set_point(v, at_entry);
	vm_run(&vm, 1);
	vm_print_stats(vm);
	report(pi_case_finished(vm) && vm->reports[HC_REPORT_PASS] == 1,
	       "the guest hopped %u times and never read a stale translation", HOPS);
	report(v->se.nr_migrations >= HOPS, "%lu migrations", v->se.nr_migrations);
	report(v->st.vpid_flushes == hop.changes && hop.changes >= HOPS + 1,
	       "INVVPID at every switch-in on a new pCPU: %lu flushes, %lu pCPU changes seen at "
	       "entry",
	       v->st.vpid_flushes, hop.changes);
}
KTEST("vmx-vpid-migrate", vmx_vpid_migrate, "a migrating vCPU's VPID is flushed on its new pCPU");
