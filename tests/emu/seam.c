/*
 * The test image's instance of the test seam (lib/test_seam.h), placed by the linker script
 * in front of the product's empty one.  The tables are written by the test's thread before the
 * VMs run (or with release stores while they run: the lock point, the preemption injection) and
 * read by the pCPUs running the vCPUs.
 */
#include "tests/emu/seam.h"
#include "arch/x86/atomic.h"
#include "arch/x86/percpu.h"
#include "lib/config.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "tests/emu/selftest.h"
#include "tests/emu/vcpu_offline.h"
#include "vm/guest_abi.h"
#include "vm/vcpu.h"

#define TSEAM_SLOTS 256 /* a test run creates a few dozen VMs; a full table is reported */

struct vcpu_slot {
	struct vcpu *v;
	tseam_point_fn point;
	tseam_setup_fn setup;
};

struct vm_slot {
	struct vm *vm;
	tseam_hc_fn hc;
	tseam_ept_fn ept;
	const void *data;
};

static struct vcpu_slot vcpu_slots[TSEAM_SLOTS];
static struct vm_slot vm_slots[TSEAM_SLOTS];
static u32 nr_vcpu_slots, nr_vm_slots; /* (atomic) published after the slot is filled */
static tseam_lock_fn lock_point;       /* (atomic) */
static bool preempt_next[MAX_CPUS];    /* (atomic) consumed by that pCPU's sched_switch */

static struct vcpu_slot *vcpu_slot(const struct vcpu *v, bool add)
{
	u32 n = load_acquire(&nr_vcpu_slots);

	for (u32 i = 0; i < n; i++)
		if (vcpu_slots[i].v == v)
			return &vcpu_slots[i];
	if (!add)
		return NULL;
	if (n == TSEAM_SLOTS) {
		report(false, "test seam: vCPU table full (%u)", TSEAM_SLOTS);
		return NULL;
	}
	vcpu_slots[n].v = (struct vcpu *)v;
	store_release(&nr_vcpu_slots, n + 1);
	return &vcpu_slots[n];
}

static struct vm_slot *vm_slot(const struct vm *vm, bool add)
{
	u32 n = load_acquire(&nr_vm_slots);

	for (u32 i = 0; i < n; i++)
		if (vm_slots[i].vm == vm)
			return &vm_slots[i];
	if (!add)
		return NULL;
	if (n == TSEAM_SLOTS) {
		report(false, "test seam: VM table full (%u)", TSEAM_SLOTS);
		return NULL;
	}
	vm_slots[n].vm = (struct vm *)vm;
	store_release(&nr_vm_slots, n + 1);
	return &vm_slots[n];
}

void tseam_set_point(struct vcpu *v, tseam_point_fn point)
{
	struct vcpu_slot *s = vcpu_slot(v, true);

	if (s)
		store_release(&s->point, point);
}

void tseam_set_setup(struct vcpu *v, tseam_setup_fn setup)
{
	struct vcpu_slot *s = vcpu_slot(v, true);

	if (s)
		store_release(&s->setup, setup);
}

void tseam_set_hypercall(struct vm *vm, tseam_hc_fn hc, const void *data)
{
	struct vm_slot *s = vm_slot(vm, true);

	if (s) {
		s->data = data;
		store_release(&s->hc, hc);
	}
}

void tseam_set_ept_violation(struct vm *vm, tseam_ept_fn ept)
{
	struct vm_slot *s = vm_slot(vm, true);

	if (s)
		store_release(&s->ept, ept);
}

const void *tseam_vm_data(const struct vm *vm)
{
	struct vm_slot *s = vm_slot(vm, false);

	return s ? s->data : NULL;
}

void tseam_set_lock_point(tseam_lock_fn point)
{
	store_release(&lock_point, point);
}

void tseam_inject_preempt_blocking(u32 cpu)
{
	store_release(&preempt_next[cpu], true);
}

void tseam_reset(void)
{
	store_release(&nr_vcpu_slots, 0);
	store_release(&nr_vm_slots, 0);
	memset(vcpu_slots, 0, sizeof(vcpu_slots));
	memset(vm_slots, 0, sizeof(vm_slots));
	store_release(&lock_point, NULL);
}

static void seam_vcpu_point(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted)
{
	struct vcpu_slot *s = vcpu_slot(v, false);
	tseam_point_fn fn = s ? load_acquire(&s->point) : NULL;

	if (fn)
		fn(v, p, blocking, preempted);
}

static void seam_vcpu_setup(struct vcpu *v)
{
	struct vcpu_slot *s = vcpu_slot(v, false);
	tseam_setup_fn fn = s ? load_acquire(&s->setup) : NULL;

	if (fn)
		fn(v);
}

static u64 seam_hypercall(struct vcpu *v, u64 op, u64 a, u64 b, bool *switch_out)
{
	struct vm_slot *s = vm_slot(v->vm, false);
	tseam_hc_fn fn = s ? load_acquire(&s->hc) : NULL;

	if (!fn)
		return (u64)(s64)HC_ENOSYS; /* no test answers this VM */
	return fn(v, op, a, b);
}

static bool seam_ept_violation(struct vcpu *v, u64 gpa)
{
	struct vm_slot *s = vm_slot(v->vm, false);
	tseam_ept_fn fn = s ? load_acquire(&s->ept) : NULL;

	return fn && fn(v, gpa);
}

static void seam_lock_point(const void *lock, bool taken)
{
	tseam_lock_fn fn = load_acquire(&lock_point);

	if (fn)
		fn(lock, taken);
}

static bool seam_preempt_blocking(u32 cpu)
{
	return xchg(&preempt_next[cpu], false);
}

/*
 * Init allocations fail for test=vmx-no-memory only: the test sees what the product does when
 * memory runs out before the first VM (tests/emu/cases/iso_msr.c).
 */
static bool seam_init_alloc_fails(const char *what)
{
	const char *t = kernel_option("test");

	return t && !strcmp(t, "vmx-no-memory");
}

/* The run step: the test named by test= (the mission when none is named). */
static __noreturn void seam_run(void)
{
	const char *name = kernel_option("test");
	const struct ktest *t;

	if (!name)
		name = "demo";
	t = ktest_find(name);
	if (!t) {
		printk("pihv: unknown test '%s'; available:\n", name);
		ktest_list();
		report(false, "test=%s exists", name);
		test_finish();
	}
	printk("pihv: running test %s\n", t->name);
	t->fn();
	test_finish();
}

static const struct test_seam seam __used __section(".testseam.test") __aligned(8) = {
	.run = seam_run,
	.panic_end = test_finish_error,
	.vcpu_point = seam_vcpu_point,
	.vcpu_setup = seam_vcpu_setup,
	.hypercall = seam_hypercall,
	.pi_lock_point = seam_lock_point,
	.preempt_blocking = seam_preempt_blocking,
	.pcpu_leaving = vcpu_pcpu_leaving,
	.pcpu_parked = vcpu_pcpu_parked,
	.init_alloc_fails = seam_init_alloc_fails,
	.ept_violation = seam_ept_violation,
};
