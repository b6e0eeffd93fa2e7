/*
 * The hostile-guest harness (hostile.h).  Placement, on two pCPUs:
 *   baseline: victim "solo0" alone on pCPU 0, "solo1" alone on pCPU 1;
 *   attack:   victim "shared" and the attacker on pCPU 0 (the victim's slice comes first), victim
 *             "own" on pCPU 1.
 * A victim's rate is units / ticks over its window (guests/victim.c); what it kept is its
 * attacked rate over its solo rate.  Fair round robin gives "shared" half of pCPU 0.
 */
#include "tests/emu/cases/hostile.h"
#include "tests/emu/cases/pi_cases.h"
#include "arch/x86/timer.h"
#include "guests/hostile.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"

static u64 victim_params[HOSTILE_PARAMS];
static u64 attack_params[HOSTILE_PARAMS];

u64 hostile_us(u64 us)
{
	return timer_us_to_tsc(us);
}

u64 hostile_stat(const struct vm *vm, u32 slot)
{
	return vm->vcpus[0]->gstat[slot];
}

static struct hostile_mark marks[HOSTILE_MARKS];

const struct hostile_mark *hostile_mark(u32 k)
{
	return &marks[k];
}

/* The counters as they stand at the mark's VMCALL (which is counted, as a VMCALL). */
static u64 mark(struct vcpu *v, u64 k)
{
	if (k >= HOSTILE_MARKS)
		return (u64)(s64)HC_EINVAL;
	marks[k] = (struct hostile_mark){
		true,		v->exits[EXIT_MSR_READ], v->exits[EXIT_MSR_WRITE],
		v->gp_injected, v->exits[EXIT_VMCALL],	 v->exits_total};
	return 0;
}

static u64 param_hc(struct vcpu *v, u64 op, u64 a, u64 b)
{
	const u64 *params = tseam_vm_data(v->vm);

	if (op == HOSTILE_OP_MARK)
		return mark(v, a);
	if (op != HOSTILE_OP_PARAM || !params)
		return (u64)(s64)HC_ENOSYS;
	return a < HOSTILE_PARAMS ? params[a] : 0;
}

void hostile_set_params(struct vm *vm, const u64 *params)
{
	tseam_set_hypercall(vm, param_hc, params);
}

/* One vCPU on pcpu, the hypercall hook handing out params (pi_case_vm builds the VM). */
static struct vm *make(const char *name, const char *image, u32 pcpu, const u64 *params)
{
	struct vm *vm = pi_case_vm(image, name, 1, pcpu, NULL);

	if (vm)
		tseam_set_hypercall(vm, param_hc, params);
	return vm;
}

static u64 units(const struct vm *vm)
{
	return vm->vcpus[0]->gstat[VICTIM_STAT_UNITS];
}

static u64 ticks(const struct vm *vm)
{
	return vm->vcpus[0]->gstat[VICTIM_STAT_TICKS];
}

static bool measured(const struct vm *vm)
{
	return !vm->dead && vm->vcpus[0]->state == VCPU_DONE && units(vm) && ticks(vm);
}

/* Units per million ticks, for the log. */
static u64 rate(const struct vm *vm)
{
	return units(vm) * 1000000 / ticks(vm);
}

static u32 kept(const struct vm *attacked, const struct vm *solo)
{
	return (u32)(units(attacked) * ticks(solo) * 100 / (ticks(attacked) * units(solo)));
}

bool hostile_run(const struct hostile_attack *a, struct hostile_run *r)
{
	static const char *const where[2] = {"sharing pCPU 0 with", "on its own pCPU 1 next to"};
	static const u32 need[2] = {HOSTILE_KEEP_SHARED, HOSTILE_KEEP_OWN};
	struct vm *solo[2], *vms[3];
	u64 end = 0, errs0 = vmcs_error_count();

	if (!platform.vmx) {
		report_skip("VMX is off on this machine (banner vmx=off): no guests");
		return false;
	}
	victim_params[HOSTILE_PARAM_TICKS] = hostile_us(a->window_us);
	memset(marks, 0, sizeof(marks));
	for (u32 i = 0; i < HOSTILE_PARAMS; i++)
		attack_params[i] = a->params[i];

	/* the baseline: each victim alone on its pCPU */
	solo[0] = make("solo0", "victim", 0, victim_params);
	solo[1] = make("solo1", "victim", 1, victim_params);
	if (!solo[0] || !solo[1])
		return false;
	vm_run(solo, 2);
	for (u32 i = 0; i < 2; i++)
		if (!report(measured(solo[i]), "baseline: %s measured %lu units in %lu ticks",
			    solo[i]->name, units(solo[i]), ticks(solo[i])))
			return false;

	/* the attack: the victims are queued first, so their windows start before it does */
	r->victim[0] = vms[0] = make("shared", "victim", 0, victim_params);
	r->victim[1] = vms[1] = make("own", "victim", 1, victim_params);
	r->attacker = vms[2] = make(a->name, a->image, 0, attack_params);
	if (!vms[0] || !vms[1] || !vms[2])
		return false;
	if (a->around)
		a->around(true);
	vm_run(vms, 3);
	if (a->around)
		a->around(false);
	for (u32 i = 0; i < 3; i++)
		vm_print_stats(vms[i]);

	for (u32 i = 0; i < 2; i++) {
		struct vm *v = r->victim[i];

		if (!report(measured(v), "victim %s finished its window (%s)", v->name,
			    v->dead ? v->why : "completed"))
			return false;
		r->kept_pct[i] = kept(v, solo[i]);
		report(r->kept_pct[i] >= need[i],
		       "victim %s %s %s kept %u%% of its solo rate (%lu vs %lu units per Mtick; "
		       "want >= %u%%)",
		       v->name, where[i], a->name, r->kept_pct[i], rate(v), rate(solo[i]), need[i]);
		end = MAX(end, v->vcpus[0]->gstat[VICTIM_STAT_END]);
	}
	report(r->attacker->vcpus[0]->end_tsc >= end,
	       "the attack lasted through both windows (attacker ended %ld ticks after them)",
	       (s64)(r->attacker->vcpus[0]->end_tsc - end));
	report(vmcs_error_count() == errs0, "no failed VMX instruction");
	return true;
}
