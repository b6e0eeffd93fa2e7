#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "guests/images.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"

bool pi_case_need(u32 cpus, bool need_pi)
{
	if (platform.vmx && (platform.pi || !need_pi) && pcpu_count() >= cpus)
		return true;
	report_skip("needs VMX%s and %u pCPUs (banner vmx=%s pi=%s, %u pCPUs)",
		    need_pi ? " with posted interrupts" : "", cpus, platform.vmx ? "on" : "off",
		    platform.pi ? "on" : "off", pcpu_count());
	return false;
}

struct vm *pi_case_vm(const char *image, const char *name, u32 vcpus, u32 first,
		      pi_case_hook_t hook)
{
	const struct guest_image *g = guest_image_find(image);
	struct vm_config cfg = {name, 0, 0, 0, vcpus, first, VM_FLAT};
	struct vm *vm;

	if (!g) {
		report(false, "guest image %s linked in", image);
		return NULL;
	}
	cfg.image = g->start;
	cfg.image_size = (u64)(g->end - g->start);
	vm = vm_create(&cfg);
	if (!vm) {
		report(false, "VM %s created", name);
		return NULL;
	}
	tseam_set_hypercall(vm, hook, NULL);
	return vm;
}

void pi_case_place(struct vm *vm, u32 i, u32 cpu, u32 pin)
{
	vm->vcpus[i]->pcpu = cpu;
	vm->vcpus[i]->se.pin = pin;
}

bool pi_case_finished(const struct vm *vm)
{
	bool ok = !vm->dead && !vm->reports[HC_REPORT_FAIL];

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		ok &= vm->vcpus[i]->state == VCPU_DONE;
	return ok;
}

static void nop_hook(u32 cpu, void *arg)
{
}

void pi_case_run(struct vm *vm, bool every_pcpu)
{
	vm_run_hook(&vm, 1, every_pcpu ? nop_hook : NULL, NULL);
	vm_print_pi_stats(&vm, 1);
}

u64 pi_case_ctl(struct vcpu *v)
{
	return load_acquire(&v->pi.desc.control);
}

bool pi_case_blocked_armed_on(struct vcpu *v, u32 cpu)
{
	u64 c = pi_case_ctl(v);

	return load_acquire(&v->se.state) == SE_BLOCKED && !load_acquire(&v->se.on_cpu) &&
	       !pi_ctl_sn(c) && pi_ctl_nv(c) == PI_WAKEUP_VECTOR &&
	       load_acquire(&v->pi.cpu) == cpu && !list_empty(&v->pi.wakeup_link);
}

bool pi_case_wait_armed(struct vcpu *v, u32 cpu, u64 us, u64 *timeouts)
{
	u64 end = rdtsc() + timer_us_to_tsc(us);

	while (!pi_case_blocked_armed_on(v, cpu)) {
		if (rdtsc() > end) {
			(*timeouts)++;
			return false;
		}
		cpu_relax();
	}
	return true;
}
