/*
 * vmx-msr-first: four VMs, one per pCPU, started together, whose first instruction writes the
 * x2APIC ICR (an NMI to APIC ID 0, the host's boot CPU) and reads it back; then each probes
 * MSRs the host owns (guests/msrfirst.c).  The shared MSR bitmap must be complete before any
 * guest runs: every access exits and is emulated (the ICR: virtual APIC) or raises #GP, no NMI
 * and no stray vector reaches a host CPU, and the host survives.
 */
#include "arch/x86/nmi.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "guests/images.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmx/vmx.h"

#define NVMS 4

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	return (u64)-1;
}

static void vmx_msr_first(void)
{
	static const char *const names[NVMS] = {"msr0", "msr1", "msr2", "msr3"};
	struct vm *vms[NVMS];
	u64 nmis[NVMS], stray = trap_unexpected_count();

	if (!pi_case_need(NVMS, false))
		return;
	for (u32 i = 0; i < NVMS; i++) {
		vms[i] = pi_case_vm("msrfirst", names[i], 1, i, hook);
		if (!vms[i])
			return;
	}
	for (u32 c = 0; c < NVMS; c++)
		nmis[c] = nmi_count(c);
	vm_run(vms, NVMS);
	for (u32 i = 0; i < NVMS; i++) {
		struct vcpu *v = vms[i]->vcpus[0];

		vm_print_stats(vms[i]);
		report(pi_case_finished(vms[i]) && vms[i]->reports[HC_REPORT_PASS] == 7,
		       "%s on cpu %u: first ICR write emulated, MSRs #GP or the vCPU's (%u PASS, "
		       "%u FAIL)",
		       vms[i]->name, v->ran_on, vms[i]->reports[HC_REPORT_PASS],
		       vms[i]->reports[HC_REPORT_FAIL]);
		/* the two ICR writes, the SVR write and every probe exited */
		report(v->exits[EXIT_MSR_WRITE] >= 4 && v->gp_injected >= 11,
		       "%s: %lu WRMSR exits, %lu #GP injected", vms[i]->name,
		       v->exits[EXIT_MSR_WRITE], v->gp_injected);
	}
	for (u32 c = 0; c < NVMS; c++)
		report(nmi_count(c) == nmis[c], "no NMI reached host cpu %u (%lu)", c,
		       nmi_count(c) - nmis[c]);
	report(trap_unexpected_count() == stray, "no guest vector reached a host CPU (%lu)",
	       trap_unexpected_count() - stray);
}
KTEST("vmx-msr-first", vmx_msr_first, "4 VMs whose first instruction writes the x2APIC ICR");

/* The shared structures cannot be allocated (lib/test_seam.h makes it so): VMX is refused. */
static void vmx_no_memory(void)
{
	const struct guest_image *g = guest_image_find("hello");
	struct vm_config cfg = {"nomem", g->start, (u64)(g->end - g->start), 0, 1, 0, VM_FLAT};

	report(!platform.vmx && !platform.pi, "banner facts: vmx=%s pi=%s",
	       platform.vmx ? "on" : "off", platform.pi ? "on" : "off");
	report(!vmx_get_controls() && !vmx_get_caps(), "no VMX controls for guests");
	report(vm_create(&cfg) == NULL, "vm_create refuses");
}
KTEST("vmx-no-memory", vmx_no_memory, "init allocations fail: VMX is refused, cleanly");
