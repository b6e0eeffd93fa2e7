/*
 * The mission (`make run`; test=mission): eight vCPUs of five guests share four
 * pCPUs.  They send each other IPIs (to a running and to a halted vCPU), take interrupts from the
 * software posting device (tests/emu/vdev.c) and from their own TSC-deadline timer, halt, get
 * preempted at the end of their slices, and the unpinned ones are moved by the idle balancer.
 * Guests from GRUB module2 lines (vmboot/vm_boot.h) run alongside.  At the end every counter is
 * printed and the invariants that must hold whatever the interleaving are checked: every vCPU
 * finished, and each vCPU received exactly what was posted to it.
 *
 *   VM     vCPUs  pCPU  pinned  role (guests/pi.h, guests/worker.c)
 *   ping   2      0, 1  yes     vCPU 1 sends 4 x 64 IPIs to the running vCPU 0
 *   halt   2      2, 3  no      vCPU 0 halts until vCPU 1's IPI wakes it, 64 times
 *   dev    1      3     yes     halts until 512 device vectors (posted from pCPU 0) arrived
 *   tmr    1      1     no      arms its TSC-deadline timer 10 ms ahead and halts
 *   work   2      2, 3  no      five rounds of work, yielding after each
 */
#include "arch/x86/timer.h"
#include "tests/emu/seam.h"
#include "guests/images.h"
#include "guests/pi.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "tests/emu/vdev.h"
#include "vm/vm.h"
#include "vmboot/vm_boot.h"

#define PING_ROUNDS 4
#define HALT_TIMES  64
#define DEV_POSTS   512
#define TIMER_TICKS 500000 /* 10 ms of the 50 MHz Bochs TSC */

struct roles {
	u32 role[VM_MAX_VCPUS], param[VM_MAX_VCPUS];
};

static const struct roles ping = {{PI_ROLE_RECV_SPIN, PI_ROLE_SEND_B2B}, {0, PING_ROUNDS}};
static const struct roles halt = {{PI_ROLE_RECV_HALT, PI_ROLE_SEND_DELAYED}, {HALT_TIMES, 2000}};
static const struct roles dev = {{PI_ROLE_RECV_DEVICE}, {DEV_POSTS}};
static const struct roles tmr = {{PI_ROLE_TIMER_HALT}, {TIMER_TICKS}};

static struct vdev device;

/* HC_TEST from the pi guest: its role; its exit count (the running receiver prints it). */
static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	const struct roles *r = tseam_vm_data(v->vm);

	if (op == PI_OP_ROLE)
		return r->role[v->index] | (u64)r->param[v->index] << 8;
	if (op == PI_OP_EXITS)
		return v->exits_total;
	return (u64)-1;
}

static struct vm *make(const char *image, const char *name, u32 vcpus, u32 first,
		       const struct roles *r, bool pinned)
{
	const struct guest_image *g = guest_image_find(image);
	struct vm_config cfg = {name, 0, 0, 0, vcpus, first, VM_FLAT};
	struct vm *vm;

	if (!g)
		return NULL;
	cfg.image = g->start;
	cfg.image_size = (u64)(g->end - g->start);
	vm = vm_create(&cfg);
	if (!vm)
		return NULL;
	if (r)
		tseam_set_hypercall(vm, hook, r);
	if (!pinned)
		vm_unpin(vm);
	return vm;
}

/* The device sits on pCPU 0 and posts to dev/0 wherever that vCPU is. */
static void start_device(u32 cpu, void *arg)
{
	if (cpu == 0)
		vdev_start(&device, timer_us_to_tsc(500));
}

/* What a vCPU must have received: what its guest counted (HC_STAT 1), or its timer vector. */
static void check_vcpu(struct vcpu *v)
{
	const struct roles *r = tseam_vm_data(v->vm);
	u64 got = v->gstat[1];

	report(v->state == VCPU_DONE, "%s/%u finished (ran last on pCPU %u)", v->vm->name, v->index,
	       v->ran_on);
	if (!r)
		return; /* a module guest: it reports its own checks */
	if (r->role[v->index] == PI_ROLE_TIMER_HALT)
		got = v->st.timer_vmx + v->st.timer_host; /* the guest checked it took the vector */
	report(got == v->st.posted, "%s/%u: delivered %lu == posted %lu", v->vm->name, v->index,
	       got, v->st.posted);
}

static void mission(void)
{
	struct vm *vms[VM_MAX];
	u32 n = 0, mods;
	u64 ipis = 0, blocks = 0, hits = 0, preempt = 0, migr = 0, timers = 0, vcpus = 0;

	report_prefix_push("mission");
	if (!platform.vmx) {
		report_skip("no VMX on this machine: no guests (run in Bochs or nested KVM)");
		goto out;
	}
	vms[n++] = make("pi", "ping", 2, 0, &ping, true);
	vms[n++] = make("pi", "halt", 2, 2, &halt, false);
	vms[n++] = make("pi", "dev", 1, 3, &dev, true);
	vms[n++] = make("pi", "tmr", 1, 1, &tmr, false);
	vms[n++] = make("worker", "work", 2, 2, NULL, false);
	for (u32 i = 0; i < n; i++)
		if (!report(vms[i] != NULL, "guest %u created", i))
			goto out;
	mods = (u32)vm_boot_from_modules(vms + n, VM_MAX - n);
	n += mods;
	device = (struct vdev){.target = vms[2]->vcpus[0],
			       .vector = 0x70,
			       .nr_vectors = 32,
			       .count = DEV_POSTS,
			       .period = timer_us_to_tsc(100)};
	for (u32 i = 0; i < n; i++)
		vcpus += vms[i]->nr_vcpus;
	printk("pihv: mission: %lu vCPUs of %u VMs (%u from modules) on %u pCPUs: IPIs, device, "
	       "timers, halts, preemption, migration\n",
	       vcpus, n, mods, pcpu_count());

	vm_run_hook(vms, n, start_device, NULL);

	printk("pihv: mission: counters per vCPU, then per pCPU\n");
	vm_print_pi_stats(vms, n);
	for (u32 i = 0; i < n; i++) {
		struct vm *vm = vms[i];

		report(!vm->dead && !vm->reports[HC_REPORT_FAIL],
		       "VM %s: %u guest checks passed, "
		       "%u failed%s%s",
		       vm->name, vm->reports[HC_REPORT_PASS], vm->reports[HC_REPORT_FAIL],
		       vm->dead ? ", killed: " : "", vm->dead ? vm->why : "");
		for (u32 j = 0; j < vm->nr_vcpus; j++) {
			struct vcpu *v = vm->vcpus[j];

			check_vcpu(v);
			ipis += v->st.vipis_sent;
			blocks += v->st.blocks;
			hits += v->st.poll_hits;
			preempt += v->se.nr_preempted;
			migr += v->se.nr_migrations;
			timers += v->st.timer_vmx + v->st.timer_host;
		}
	}
	report(device.sent == DEV_POSTS,
	       "device on pCPU 0 posted %u of %u (%u periods deferred: the vector's previous "
	       "interrupt not taken yet)",
	       device.sent, DEV_POSTS, device.deferred);
	report(preempt > 0, "vCPUs preempted %lu times (more vCPUs than pCPUs)", preempt);
	report(migr > 0, "unpinned vCPUs migrated %lu times", migr);
	printk("pihv: mission: %lu guest IPIs, %u device interrupts, %lu guest timer interrupts, "
	       "%lu blocks, %lu halt-poll hits, %lu preemptions, %lu migrations\n",
	       ipis, device.sent, timers, blocks, hits, preempt, migr);
out:
	report_prefix_pop();
}
KTEST("mission", mission, "the make run demo: guests with IPIs, device, timers, halts, preemption");
