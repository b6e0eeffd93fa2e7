/*
 * VMX guest tests: real guests under EPT in Bochs; SKIP where VMX is off (QEMU TCG).
 *   vmx-basic      one VM, every handled exit exercised; guest-side reports + host counters
 *   vmx-multi      2 VMs x 2 vCPUs, pinned round the online pCPUs
 *   vmx-isolation  triple fault, EPT violation, bad hypercall, invalid entry state: each VM is
 *                  stopped and reported while a worker VM finishes its rounds
 *   vmx-bench      CPUID and VMCALL round trips measured by a guest with RDTSC
 */
#include "arch/x86/apic.h"
#include "tests/emu/seam.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "guests/images.h"
#include "lib/config.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "tests/emu/selftest.h"
#include "lib/string.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* A 64-bit control-field encoding with an index no CPU uses (SDM Vol. 3D App. B). */
#define BOGUS_FIELD 0x2ffeu

static struct vm *make(const char *vm_name, const char *image, u32 vcpus, u32 pcpu_first)
{
	const struct guest_image *g = guest_image_find(image);
	struct vm_config cfg = {vm_name, 0, 0, 0, vcpus, pcpu_first, VM_FLAT};

	if (!g) {
		report(false, "guest image %s linked in", image);
		return NULL;
	}
	cfg.image = g->start;
	cfg.image_size = (u64)(g->end - g->start);
	struct vm *vm = vm_create(&cfg);
	report(vm != NULL, "VM %s (%s, %u vCPUs) created", vm_name, image, vcpus);
	return vm;
}

static bool need_vmx(void)
{
	if (platform.vmx)
		return true;
	report_skip("VMX is off on this machine (banner vmx=off): no guests");
	return false;
}

static u64 extint_seen;
static void test_ipi(struct trap_frame *f)
{
	extint_seen++;
}

/*
 * Runs on the vCPU's pCPU with IRQs off, right before its first VM entry: the self-IPI is
 * pending in the LAPIC at entry, so the entry exits at once (external-interrupt exiting with
 * acknowledge-on-exit) instead of the host taking it in root mode.
 */
static void pend_host_ipi(struct vcpu *v)
{
	apic_self_ipi(VEC_IPI_TEST);
	/*
	 * Bochs 3.0 quirk (measured; docs/emulators.md §9.3): with "process
	 * posted interrupts" on, a guest running with RFLAGS.IF=0 takes no external-interrupt
	 * exit for a pending host interrupt, although the SDM (26.2 / 25.2) says IF does not
	 * matter when external-interrupt exiting is 1.  The guest starts with IF=0, so enter it
	 * with IF=1: nothing is pending for the guest itself, only the host IPI.
	 */
	vmcs_writenat(GUEST_RFLAGS, 0x202);
}

static void vmx_basic(void)
{
	struct vm *vm;

	if (!need_vmx())
		return;
	vm = make("basic", "hello", 1, 0);
	if (!vm)
		return;
	/* A host interrupt pending at entry: the entry exits at once (ext-int exiting, ack). */
	trap_register(VEC_IPI_TEST, test_ipi);
	tseam_set_setup(vm->vcpus[0], pend_host_ipi);
	vm_run(&vm, 1);
	vm_print_stats(vm);

	struct vcpu *v = vm->vcpus[0];
	report_prefix_push("host");
	report(v->state == VCPU_DONE && v->exit_code == 0, "vCPU exited with HC_EXIT(0)");
	report(!vm->dead, "VM not stopped");
	report(vm->reports[HC_REPORT_PASS] == 13 && !vm->reports[HC_REPORT_FAIL],
	       "guest reported %u PASS, %u FAIL", vm->reports[HC_REPORT_PASS],
	       vm->reports[HC_REPORT_FAIL]);
	report(v->exits[EXIT_EXTERNAL_INTERRUPT] >= 1 && extint_seen == 1,
	       "external-interrupt exit ran the host handler (%lu exits, %lu handled)",
	       v->exits[EXIT_EXTERNAL_INTERRUPT], extint_seen);
	report(v->exits[EXIT_CPUID] >= 3, "CPUID exits %lu", v->exits[EXIT_CPUID]);
	report(v->exits[EXIT_HLT] == 1, "HLT exits %lu", v->exits[EXIT_HLT]);
	report(v->exits[EXIT_IO_INSTRUCTION] >= 20, "I/O exits %lu", v->exits[EXIT_IO_INSTRUCTION]);
	report(v->exits[EXIT_MSR_READ] == 2 && v->exits[EXIT_MSR_WRITE] == 2,
	       "RDMSR exits %lu, WRMSR exits %lu", v->exits[EXIT_MSR_READ],
	       v->exits[EXIT_MSR_WRITE]);
	report(v->gp_injected == 2, "#GP injected %lu times", v->gp_injected);
	report(v->exits[EXIT_VMCALL] >= 15, "VMCALL exits %lu", v->exits[EXIT_VMCALL]);
	if (vmx_get_controls()->preempt_timer)
		report(v->exits[EXIT_PREEMPTION_TIMER] >= 1, "preemption-timer exits %lu",
		       v->exits[EXIT_PREEMPTION_TIMER]);
	else
		report_skip("no VMX-preemption timer");
	report(vmcs_error_count() == 0, "no failed VMX instruction");
	/* The run ended with VMCLEAR: no current VMCS here, so a VMREAD must fail (CF=1). */
	(void)vmcs_read32(VM_INSTRUCTION_ERROR);
	report(vmcs_error_count() == 1, "a VMREAD without a current VMCS is reported and counted");
	/*
	 * With the vCPU's VMCS current again, a VMWRITE to an encoding no CPU has is VMfailValid
	 * with error 12 (a read-only field would not do: IA32_VMX_MISC[29] CPUs accept those).
	 */
	if (vmcs_load((u64)v->vmcs)) {
		__vmcs_write(BOGUS_FIELD, 0, "BOGUS_FIELD");
		report(vmcs_error_count() == 2 && vmcs_read32(VM_INSTRUCTION_ERROR) == 12,
		       "a VMWRITE to an unsupported field is reported with VM-instruction error "
		       "12");
		vmcs_clear((u64)v->vmcs);
	} else {
		report(false, "VMPTRLD of the finished vCPU's VMCS");
	}
	/* VMPTRLD of an address that is not 4 KiB-aligned fails (SDM Vol. 3C 31.3 VMPTRLD) */
	report(!vmcs_load(0x1234) && vmcs_error_count() == 3,
	       "a VMPTRLD of a misaligned address fails and is reported");
	report_prefix_pop();
}
KTEST("vmx-basic", vmx_basic, "one guest exercising every handled exit");

static void vmx_multi(void)
{
	struct vm *vms[2];

	if (!need_vmx())
		return;
	vms[0] = make("alpha", "hello", 2, 0);
	vms[1] = make("beta", "hello", 2, 2);
	if (!vms[0] || !vms[1])
		return;
	vm_run(vms, 2);
	u64 used = 0, want = (1ull << MIN(pcpu_count(), 4u)) - 1;
	for (int i = 0; i < 2; i++) {
		vm_print_stats(vms[i]);
		for (u32 j = 0; j < 2; j++) {
			struct vcpu *v = vms[i]->vcpus[j];
			report(v->state == VCPU_DONE && !vms[i]->reports[HC_REPORT_FAIL] &&
				       v->ran_on == v->pcpu,
			       "%s/%u done on cpu %u (pinned %u)", vms[i]->name, j, v->ran_on,
			       v->pcpu);
			used |= 1ull << v->ran_on;
		}
	}
	report(used == want, "vCPUs ran on pCPUs %#lx (want %#lx: every online pCPU up to 4)", used,
	       want);
}
KTEST("vmx-multi", vmx_multi, "2 VMs x 2 vCPUs");

/* Entry check 27.3.1.4: RFLAGS bit 1 must be 1. */
static void break_rflags(struct vcpu *v)
{
	vmcs_writenat(GUEST_RFLAGS, 0);
}

static void vmx_isolation(void)
{
	static const struct {
		const char *name, *image, *why;
	} bad[] = {
		{"triple", "triple", "guest triple fault"},
		{"eptviol", "eptviol", "access outside guest memory (EPT violation)"},
		{"badhc", "badhc", "bad hypercall (buffer outside guest memory)"},
		{"badstate", "hello", "VM entry failed: invalid guest state"},
	};
	struct vm *vms[ARRAY_SIZE(bad) + 1];

	if (!need_vmx())
		return;
	/*
	 * worker, badstate and badhc share pCPU 0 (one round-robin survives them all); triple has
	 * a second vCPU spinning on another pCPU, which must be stopped with it; eptviol runs
	 * alone on its own pCPU (with fewer CPUs the pinning wraps round).
	 */
	static const u32 nr_vcpus[] = {2, 1, 1, 1}, first[] = {2, 1, 0, 0};
	vms[0] = make("worker", "worker", 1, 0);
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++)
		vms[i + 1] = make(bad[i].name, bad[i].image, nr_vcpus[i], first[i]);
	for (u32 i = 0; i <= ARRAY_SIZE(bad); i++)
		if (!vms[i])
			return;
	tseam_set_setup(vms[4]->vcpus[0], break_rflags);
	vm_run(vms, ARRAY_SIZE(vms));
	for (u32 i = 0; i < ARRAY_SIZE(vms); i++)
		vm_print_stats(vms[i]);
	report(vms[0]->vcpus[0]->state == VCPU_DONE && !vms[0]->dead &&
		       vms[0]->reports[HC_REPORT_PASS] == 1,
	       "worker finished its rounds while the others misbehaved");
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vm *vm = vms[i + 1];
		bool all_dead = true;
		for (u32 j = 0; j < vm->nr_vcpus; j++)
			all_dead &= vm->vcpus[j]->state == VCPU_DEAD;
		report(vm->dead && vm->why && !strcmp(vm->why, bad[i].why) && all_dead,
		       "%s stopped (%u vCPUs): %s", vm->name, vm->nr_vcpus,
		       vm->why ? vm->why : "(running)");
	}
	report(vmcs_error_count() == 0, "no failed VMX instruction");
}
KTEST("vmx-isolation", vmx_isolation, "misbehaving guests are stopped, a worker progresses");

static void vmx_bench(void)
{
	struct vm *vm;

	if (!need_vmx())
		return;
	vm = make("bench", "bench", 1, 0);
	if (!vm)
		return;
	vm_run(&vm, 1);
	vm_print_stats(vm);
	report(vm->vcpus[0]->state == VCPU_DONE, "bench guest finished");
}
KTEST("vmx-bench", vmx_bench, "CPUID / VMCALL round trips in guest TSC ticks");
