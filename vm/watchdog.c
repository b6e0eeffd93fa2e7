/*
 * The stuck-VM watchdog (watchdog.h has the definition of "stuck").  Nothing is added to the
 * exit path: every vCPU already counts its exits by reason, so the exits of its own are the total
 * minus the host's reasons.  A periodic timer on the pCPU that runs vm_run() samples that count
 * per watched VM every quarter of the smallest limit; a VM whose count has not moved for its
 * limit is reported (one line that says why, then its vCPUs' scheduler and posted-interrupt
 * state, docs/testing.md "Reading a failure") and stopped with vm_kill(), alone.  It is stopped
 * between 1 and 1.25 limits after its last exit of its own.  The other VMs, stuck or not, are
 * judged each on their own count.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "lib/compiler.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "pi/pi.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vm/watchdog.h"

#define WATCHDOG_MIN_PERIOD_US 1000

static const char *const se_states[] = {"runnable", "running", "blocked", "dead"};

static void dump_vcpu(struct vcpu *v)
{
	struct pi_desc *d = &v->pi.desc;
	u64 ctl = load_acquire(&d->control);
	u64 pir = load_relaxed(&d->pir[0]) | load_relaxed(&d->pir[1]) | load_relaxed(&d->pir[2]) |
		  load_relaxed(&d->pir[3]);
	u32 virr = 0, visr = 0;

	/* virtual-APIC page: IRR at 0x200 and ISR at 0x100, 8 x 32 bits (SDM Vol. 3C 30.1.1) */
	for (u32 i = 0; v->vapic && i < 8; i++) {
		virr |= load_relaxed(&v->vapic[(0x200 + 16 * i) / 4]);
		visr |= load_relaxed(&v->vapic[(0x100 + 16 * i) / 4]);
	}

	printk("  [%s/%u] se %s%s%s on rq %u, pi cpu %u, ON=%u SN=%u NV=%#x NDST=%u, PIR %s, "
	       "vIRR %s, vISR %s, %s wakeup list, posting %s; posted %lu (coalesced %lu), blocks "
	       "%lu, wakes %lu\n",
	       v->vm->name, v->index, se_states[v->se.state], v->se.blocking ? "+blocking" : "",
	       v->se.on_cpu ? "+on_cpu" : "", v->se.cpu, v->pi.cpu, pi_ctl_on(ctl), pi_ctl_sn(ctl),
	       pi_ctl_nv(ctl), pi_ctl_ndst(ctl), pir ? "non-empty" : "empty",
	       virr ? "non-empty" : "empty", visr ? "non-empty" : "empty",
	       list_empty(&v->pi.wakeup_link) ? "on no" : "on a",
	       v->pi.posting_enabled ? "on" : "off", load_relaxed(&v->st.posted),
	       load_relaxed(&v->st.coalesced), v->st.blocks, load_relaxed(&v->st.pi_wakes));
}

/*
 * Exits the VM's vCPUs caused themselves.  The counters are written by the pCPU running each
 * vCPU; a stale read only delays the verdict by one period.
 */
static u64 own_exits(const struct vm *vm)
{
	u64 n = 0;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];

		n += load_relaxed(&v->exits_total) -
		     load_relaxed(&v->exits[EXIT_EXTERNAL_INTERRUPT]) -
		     load_relaxed(&v->exits[EXIT_EXCEPTION_NMI]) -
		     load_relaxed(&v->exits[EXIT_PREEMPTION_TIMER]) -
		     load_relaxed(&v->exits[EXIT_INTERRUPT_WINDOW]);
	}
	return n;
}

/* Has every vCPU finished (HC_EXIT) or died?  Then there is nothing left to watch. */
static bool over(const struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		enum vcpu_state s = READ_ONCE(vm->vcpus[i]->state);

		if (s != VCPU_DONE && s != VCPU_DEAD)
			return false;
	}
	return true;
}

static void stop_stuck(struct watchdog *w, struct vm *vm, u64 now)
{
	printk("vmx: watchdog: VM %s made no VM exit of its own for %lu ms (limit %lu ms): "
	       "stopping it alone; its vCPUs:\n",
	       vm->name, timer_tsc_to_us(now - vm->wd_since) / 1000, vm->watchdog_ms);
	for (u32 j = 0; j < vm->nr_vcpus; j++)
		dump_vcpu(vm->vcpus[j]);
	w->stopped++;
	vm_kill(vm, WATCHDOG_WHY);
}

/* IRQ context on the pCPU that armed it (possibly inside another vCPU's exit handler). */
static void check(struct timer *t, void *arg)
{
	struct watchdog *w = arg;
	u64 now = rdtsc();
	bool watching = false;

	for (u32 i = 0; i < w->nr_vms; i++) {
		struct vm *vm = w->vms[i];
		u64 n;

		if (!vm->watchdog_ms || READ_ONCE(vm->dead) || over(vm))
			continue;
		n = own_exits(vm);
		if (n != vm->wd_exits) {
			vm->wd_exits = n;
			vm->wd_since = now;
		} else if (now - vm->wd_since >= timer_us_to_tsc(vm->watchdog_ms * 1000)) {
			stop_stuck(w, vm, now);
			continue;
		}
		watching = true;
	}
	if (watching)
		timer_arm(t, now + w->period);
}

u64 watchdog_limit_ms(u64 configured)
{
	if (configured == WATCHDOG_OFF)
		return 0;
	return configured ? configured : kernel_option_u64("watchdog_ms", 0);
}

void watchdog_start(struct watchdog *w, struct vm **vms, u32 nr_vms)
{
	u64 min_ms = ~0ull;

	w->vms = vms;
	w->nr_vms = nr_vms;
	w->stopped = 0;
	w->period = 0;
	timer_init(&w->timer, check, w);
	for (u32 i = 0; i < nr_vms; i++) {
		struct vm *vm = vms[i];

		if (!vm->watchdog_ms)
			continue;
		vm->wd_exits = own_exits(vm);
		vm->wd_since = rdtsc();
		min_ms = MIN(min_ms, vm->watchdog_ms);
		printk("vmx: watchdog: VM %s is stopped if it makes no VM exit of its own for %lu "
		       "ms\n",
		       vm->name, vm->watchdog_ms);
	}
	if (min_ms == ~0ull)
		return;
	/* limits are at most one day (kernel/cmdline.c, vmboot/vm_args.c): no overflow */
	w->period = timer_us_to_tsc(MAX(min_ms * 1000 / 4, WATCHDOG_MIN_PERIOD_US));
	timer_arm(&w->timer, rdtsc() + w->period);
}

u32 watchdog_stop(struct watchdog *w)
{
	if (w->period)
		timer_cancel(&w->timer);
	return w->stopped;
}
