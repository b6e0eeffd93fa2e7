/*
 * vmx-idt-vectoring: an exit during event delivery re-injects the event (SDM Vol. 3C 28.2.4,
 * IDT-vectoring information; 27.6 event injection).  The guest (guests/vectoring.c) asks for a
 * page of its own to be taken from its EPT, then raises an event whose delivery needs that
 * page; the EPT violation exits in the middle of the delivery.  The test gives the page back
 * from the exit (the seam's EPT-violation hook) and resumes: the event must reach the guest's
 * handler exactly once, with the right return address.
 */
#include "arch/x86/cpu.h"
#include "guests/images.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmx/ept.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define OP_TAKE_PAGE  1
#define INVEPT_SINGLE 1
#define INVEPT_ALL    2

static u64 taken_gpa, taken_hpa; /* the vCPU's pCPU only (one vCPU) */
static u32 nr_given_back;

static void invept(struct vm *vm)
{
	vmcs_invept(vmx_get_controls()->invept_single ? INVEPT_SINGLE : INVEPT_ALL, vm->ept.eptp);
}

/* HC_TEST(OP_TAKE_PAGE, gpa): the page goes out of the EPT until its next violation. */
static u64 take_page(struct vcpu *v, u64 op, u64 gpa, u64 unused)
{
	u64 leaf = ept_lookup(&v->vm->ept, gpa);

	if (op != OP_TAKE_PAGE || !leaf || taken_gpa)
		return (u64)(s64)HC_EINVAL;
	taken_gpa = gpa;
	taken_hpa = (u64)v->vm->mem + gpa;
	ept_map(&v->vm->ept, gpa, taken_hpa, 4096, 0); /* no R/W/X: not present */
	invept(v->vm);
	return 0;
}

static bool give_back(struct vcpu *v, u64 gpa)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO);

	if (!taken_gpa || (gpa & ~0xfffull) != taken_gpa)
		return false;
	printk("vmx-idt-vectoring: EPT violation at %#lx during delivery (IDT-vectoring %#x), "
	       "page given back\n",
	       gpa, info);
	ept_map(&v->vm->ept, taken_gpa, taken_hpa, 4096, EPT_RWX);
	invept(v->vm);
	taken_gpa = 0;
	nr_given_back++;
	return true;
}

static void vmx_idt_vectoring(void)
{
	const struct guest_image *g = guest_image_find("vectoring");
	struct vm_config cfg = {"vec", 0, 0, 0, 1, 0, VM_FLAT};
	struct vm *vm;
	struct vcpu *v;

	if (!platform.vmx) {
		report_skip("VMX is off on this machine: no guests");
		return;
	}
	cfg.image = g->start;
	cfg.image_size = (u64)(g->end - g->start);
	vm = vm_create(&cfg);
	if (!vm) {
		report(false, "VM created");
		return;
	}
	tseam_set_hypercall(vm, take_page, NULL);
	tseam_set_ept_violation(vm, give_back);
	vm_run(&vm, 1);
	vm_print_stats(vm);
	v = vm->vcpus[0];
	report(v->state == VCPU_DONE && !vm->dead, "guest finished (not stopped)");
	report(vm->reports[HC_REPORT_PASS] == 3 && !vm->reports[HC_REPORT_FAIL],
	       "guest reports %u PASS, %u FAIL", vm->reports[HC_REPORT_PASS],
	       vm->reports[HC_REPORT_FAIL]);
	report(nr_given_back == 3 && v->exits[EXIT_EPT_VIOLATION] == 3,
	       "three EPT violations, each during a delivery (%lu exits, %u pages given back)",
	       v->exits[EXIT_EPT_VIOLATION], nr_given_back);
	report(v->reinjected == 3, "every event re-injected (%lu)", v->reinjected);
}
KTEST("vmx-idt-vectoring", vmx_idt_vectoring,
      "an exit during event delivery re-injects the event (IDT-vectoring information)");
