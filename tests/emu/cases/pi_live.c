/*
 * Live posted-interrupt tests: real guests (guests/pi.c) on the per-pCPU scheduler in
 * Bochs, each named after the pi/ simulator scenario it mirrors (tests/pi_sim/scenarios.c;
 * mapping in docs/pi.md "Live tests").  Every test asserts counts from the host counters
 * (vm/pi_stats.h, struct vcpu_stats) and the guest's own per-vector counts.
 */
#include "arch/x86/cpu.h"
#include "tests/emu/seam.h"
#include "arch/x86/timer.h"
#include "guests/pi.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/pi_stats.h"
#include "tests/emu/vdev.h"
#include "vm/vm.h"
#include "vmx/vmx.h"
#include "tests/emu/cases/pi_cases.h"

struct pi_case {
	u32 role[VM_MAX_VCPUS], param[VM_MAX_VCPUS];
};

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	const struct pi_case *pc = tseam_vm_data(v->vm);
	struct vcpu *t;

	switch (op) {
	case PI_OP_ROLE:
		return pc->role[v->index] | (u64)pc->param[v->index] << 8;
	case PI_OP_EXITS:
		return v->exits_total;
	}
	if (a >= v->vm->nr_vcpus)
		return (u64)-1;
	t = v->vm->vcpus[a];
	switch (op) {
	case PI_OP_STATE:
		return t->se.state | (u64)t->se.blocking << 8 | (u64)t->se.cpu << 16 |
		       (u64)pi_ctl_sn(__atomic_load_n(&t->pi.desc.control, __ATOMIC_ACQUIRE)) << 24;
	case PI_OP_WAKE:
		return sched_wake(&t->se);
	case PI_OP_MIGRATE:
		return b < pcpu_count() && sched_migrate(&t->se, (u32)b);
	}
	return (u64)-1;
}

static bool need_vmx(void)
{
	if (platform.vmx)
		return true;
	report_skip("VMX is off on this machine (banner vmx=off): no guests");
	return false;
}

static struct vm *make(const char *name, u32 vcpus, u32 first, struct pi_case *pc)
{
	struct vm *vm = pi_case_vm("pi", name, vcpus, first, hook);

	if (vm)
		tseam_set_hypercall(vm, hook, pc);
	return vm;
}

static void bench(const char *name, u64 num, u64 den, const char *unit)
{
	/* two decimals without floating point */
	u64 x = den ? num * 100 / den : 0;
	printk("BENCH: %s %lu.%02lu %s\n", name, x / 100, x % 100, unit);
}

/* bug16_back_to_back_posts: a running, tickless receiver; 0 exits, every vector once a round. */
static void pi_running(void)
{
	static struct pi_case pc = {{PI_ROLE_RECV_SPIN, PI_ROLE_SEND_B2B}, {0, 4}};
	struct vm *vm;

	if (!need_vmx() || !(vm = make("run", 2, 2, &pc)))
		return;
	vm->tickless = true;
	vm_run(&vm, 1);
	vm_print_pi_stats(&vm, 1);
	struct vcpu *r = vm->vcpus[0], *s = vm->vcpus[1];
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	if (vmx_get_controls()->posted)
		report(r->gstat[0] == 0, "receiver: %lu VM exits while %lu IPIs arrived",
		       r->gstat[0], r->gstat[1]);
	else /* fallback: each notification is an external-interrupt exit, then a sync */
		report(r->gstat[0] <= r->gstat[1] + 1 && r->st.synced >= r->gstat[1],
		       "fallback receiver: %lu exits for %lu IPIs, %lu vectors synced at entry",
		       r->gstat[0], r->gstat[1], r->st.synced);
	report(r->st.posted == 4 * 64 && r->gstat[1] == r->st.posted,
	       "delivered %lu == posted %lu (4 rounds x 64 vectors)", r->gstat[1], r->st.posted);
	report(s->st.vipis_sent == 4 * 64, "sender: %lu ICR-write exits turned into posts",
	       s->st.vipis_sent);
	if (vmx_get_controls()->posted)
		report(r->st.synced == 0 || r->st.synced < r->st.posted,
		       "posted-interrupt processing in guest mode (%lu of %lu synced by software)",
		       r->st.synced, r->st.posted);
	bench("pi_exits_per_irq_running", r->gstat[0], r->gstat[1], "exits");
}
KTEST("pi-running", pi_running, "bug16_back_to_back_posts: IPIs to a running vCPU, 0 exits");

static struct vm *halt_pair(const char *name, u32 times, u32 delay, u64 poll_tsc)
{
	static struct pi_case pc;
	struct vm *vm;

	pc = (struct pi_case){{PI_ROLE_RECV_HALT, PI_ROLE_SEND_DELAYED}, {times, delay}};
	if (!(vm = make(name, 2, 2, &pc)))
		return NULL;
	vm->poll_max = poll_tsc;
	vm->tickless = true;
	vm_run(&vm, 1);
	vm_print_pi_stats(&vm, 1);
	return vm;
}

/* bug07_vipi_armed: IPIs to a halted vCPU (polling off) wake it through PI_WAKEUP_VECTOR. */
static void pi_blocked(void)
{
	/* make() pins vCPU i to pCPU (2 + i) % online CPUs: the receiver's pCPU */
	u32 rc = 2 % pcpu_count();
	u64 w0 = pi_pcpu_stats[rc].wakeup_irqs;
	struct vm *vm;

	if (!need_vmx() || !(vm = halt_pair("blk", 16, 20000, 0)))
		return;
	struct vcpu *r = vm->vcpus[0];
	u64 wk = pi_pcpu_stats[rc].wakeup_irqs - w0;
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(r->st.blocks >= 8 && r->st.poll_hits == 0,
	       "receiver blocked %lu times (polling off)", r->st.blocks);
	report(wk >= 8 && r->st.pi_wakes >= 8, "%lu WAKEUP interrupts on pCPU %u, %lu wakes", wk,
	       rc, r->st.pi_wakes);
	report(r->st.posted == 16 && r->gstat[1] == 16, "delivered %lu == posted %lu", r->gstat[1],
	       r->st.posted);
	bench("pi_desc_writes_per_block_wake", r->st.block_cycle_writes, r->st.block_cycles,
	      "writes");
}
KTEST("pi-blocked", pi_blocked, "bug07_vipi_armed: a blocked vCPU wakes on a post");

/* Halt-poll hit (state E of pi.c): the post lands while polling; 0 descriptor writes. */
static void pi_halt_poll(void)
{
	struct vm *vm;

	if (!need_vmx() || !(vm = halt_pair("poll", 16, 200, timer_us_to_tsc(2000))))
		return;
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(r->st.poll_hits >= 8, "halt-poll hits %lu, misses %lu", r->st.poll_hits,
	       r->st.poll_misses);
	report(r->st.poll_hit_writes == 0,
	       "descriptor writes by the receiver's pCPU during hits: %lu", r->st.poll_hit_writes);
	bench("pi_desc_writes_per_poll_hit", r->st.poll_hit_writes, r->st.poll_hits, "writes");
}
KTEST("pi-halt-poll", pi_halt_poll, "halt-polling: a hit never touches the descriptor");

/*
 * The adaptive window: every wakeup comes long after the window (the sender waits as in
 * pi-blocked), so each block halves it, and once it reaches 0 the vCPU blocks without polling.
 */
static void pi_halt_poll_adapt(void)
{
	u64 max = timer_us_to_tsc(100), halvings = 0;
	struct vm *vm;

	for (u64 w = max; w; w /= 2)
		halvings++;
	if (!need_vmx() || !(vm = halt_pair("adapt", 24, 20000, max)))
		return;
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	/* one missed poll per halving: max, max / 2, ... 1 */
	report(r->st.poll_hits == 0 && r->st.poll_misses == halvings &&
		       r->st.blocks >= r->st.poll_misses + 8,
	       "window %lu TSC halved on each long block: %lu polls missed (%lu halvings to 0), "
	       "then "
	       "%lu blocks without polling",
	       max, r->st.poll_misses, halvings, r->st.blocks - r->st.poll_misses);
	report(r->poll_tsc == 0, "window at the end: %lu", r->poll_tsc);
	report(r->st.posted == 24 && r->gstat[1] == 24, "delivered %lu == posted %lu", r->gstat[1],
	       r->st.posted);
}
KTEST("pi-halt-poll-adapt", pi_halt_poll_adapt, "the halt-poll window shrinks to 0 on long blocks");

/* bug06_cli_hlt_not_woken */
static void pi_cli_hlt(void)
{
	static struct pi_case pc = {{PI_ROLE_CLI_HLT, PI_ROLE_SEND_TO_CLI}, {0, 0}};
	struct vm *vm;

	if (!need_vmx() || !(vm = make("cli", 2, 2, &pc)))
		return;
	vm_run(&vm, 1);
	vm_print_pi_stats(&vm, 1);
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(r->st.hlt_if0 == 1 && r->st.puts_blocking >= 1, "IF=0 HLT blocked (%lu)",
	       r->st.hlt_if0);
}
KTEST("pi-cli-hlt", pi_cli_hlt, "bug06_cli_hlt_not_woken: IF=0 halt ignores posts");

/* bug08: the guest's TSC-deadline timer fires while the vCPU is blocked (host timer). */
static void pi_timer(void)
{
	static struct pi_case pc = {{PI_ROLE_TIMER_HALT}, {500000}};
	struct vm *vm;

	if (!need_vmx() || !(vm = make("tmr", 1, 1, &pc)))
		return;
	vm->poll_max = 0;
	vm_run(&vm, 1);
	vm_print_pi_stats(&vm, 1);
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "vCPU finished, guest checks passed");
	report(r->st.timer_host == 1 && r->st.blocks >= 1,
	       "deadline fired by the host timer while blocked (host %lu, vmx %lu, blocks %lu)",
	       r->st.timer_host, r->st.timer_vmx, r->st.blocks);
}
KTEST("pi-timer", pi_timer, "guest TSC-deadline timer while blocked (bug 8)");

/* The same deadline while the vCPU runs: the VMX-preemption timer ends guest mode for it. */
static void pi_timer_running(void)
{
	static struct pi_case pc = {{PI_ROLE_TIMER_SPIN}, {500000}};
	struct vm *vm;

	if (!need_vmx() || !(vm = make("tmrr", 1, 1, &pc)))
		return;
	vm->tickless = true; /* alone on its pCPU: the deadline is the only reason to exit */
	vm_run(&vm, 1);
	vm_print_pi_stats(&vm, 1);
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "vCPU finished, guest checks passed");
	report(r->st.timer_vmx == 1 && r->st.timer_host == 0 && r->st.blocks == 0 &&
		       r->exits[EXIT_PREEMPTION_TIMER] >= 1,
	       "deadline fired by the VMX-preemption timer while running (vmx %lu, host %lu, "
	       "preemption-timer exits %lu, blocks %lu)",
	       r->st.timer_vmx, r->st.timer_host, r->exits[EXIT_PREEMPTION_TIMER], r->st.blocks);
}
KTEST("pi-timer-running", pi_timer_running, "guest TSC-deadline timer while running");

/* A software posting device on pCPU 1 floods the vCPU on pCPU 2: delivered == posted. */
static struct vdev flood;
static void start_flood(u32 cpu, void *arg)
{
	if (cpu == 1)
		vdev_start(&flood, timer_us_to_tsc(100));
}

static void pi_device(void)
{
	static struct pi_case pc = {{PI_ROLE_RECV_DEVICE}, {512}};
	struct vm *vm;

	if (!need_vmx() || !(vm = make("dev", 1, 2, &pc)))
		return;
	flood = (struct vdev){.target = vm->vcpus[0],
			      .vector = 0x70,
			      .nr_vectors = 32,
			      .count = 512,
			      .period = timer_us_to_tsc(200)};
	vm_run_hook(&vm, 1, start_flood, NULL);
	vm_print_pi_stats(&vm, 1);
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "vCPU finished, guest checks passed");
	report(flood.sent == 512 && r->gstat[1] == flood.sent,
	       "device on pCPU 1 posted %u, guest received %lu", flood.sent, r->gstat[1]);
	bench("pi_device_exits_per_irq", r->exits_total, r->gstat[1], "exits");
}
KTEST("pi-device", pi_device, "bug16_back_to_back_posts: software posting device flood");

/* bug03_blocked_then_migrated: blocked on pCPU 2, migrated to 3, then posted: woken on 3. */
static void pi_migrate(void)
{
	static struct pi_case pc = {{PI_ROLE_RECV_HALT, PI_ROLE_SEND_MIGRATE}, {1, 3}};
	struct vm *vm;

	if (!need_vmx() || pcpu_count() < 4) {
		report_skip("needs VMX and 4 pCPUs");
		return;
	}
	if (!(vm = make("mig", 2, 2, &pc)))
		return;
	vm->poll_max = 0;
	vm_unpin(vm);
	vm->vcpus[1]->se.pin = 0; /* the sender stays on pCPU 0 */
	vm->vcpus[1]->pcpu = 0;	  /* before vm_run: its first run queue */
	vm_run(&vm, 1);
	vm_print_pi_stats(&vm, 1);
	struct vcpu *r = vm->vcpus[0];
	report(pi_case_finished(vm), "both vCPUs finished, guest checks passed");
	report(r->se.nr_migrations >= 1 && r->ran_on == 3, "migrations %lu, ran last on pCPU %u",
	       r->se.nr_migrations, r->ran_on);
}
KTEST("pi-migrate", pi_migrate, "bug03_blocked_then_migrated");
