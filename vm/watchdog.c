/*
 * Run watchdog: a vm_run() that has not finished after watchdog_ms of emulated/real time
 * (command line, default 10 s; 0 disables) prints every vCPU's scheduler and posted-interrupt
 * state and stops the VMs, so a lost wakeup ends as a reported failure with the evidence, not
 * as a silent hang that a test runner has to time out.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "pi/pi.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vm/watchdog.h"

#define WATCHDOG_MS_DEFAULT 10000

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

static void fire(struct timer *t, void *arg)
{
	struct watchdog *w = arg;

	printk("vmx: watchdog: run not finished after %lu ms; state of every vCPU:\n", w->ms);
	for (u32 i = 0; i < w->nr_vms; i++)
		for (u32 j = 0; j < w->vms[i]->nr_vcpus; j++)
			dump_vcpu(w->vms[i]->vcpus[j]);
	store_release(&w->fired, true);
	for (u32 i = 0; i < w->nr_vms; i++)
		vm_kill(w->vms[i], "watchdog: run did not finish");
}

void watchdog_start(struct watchdog *w, struct vm **vms, u32 nr_vms)
{
	/* 0..86400000 (kernel/cmdline.c checks), so ms * 1000 cannot overflow; 0: no limit. */
	u64 ms = kernel_option_u64("watchdog_ms", WATCHDOG_MS_DEFAULT);

	w->vms = vms;
	w->nr_vms = nr_vms;
	w->fired = false;
	w->ms = ms;
	timer_init(&w->timer, fire, w);
	if (ms)
		timer_arm(&w->timer, rdtsc() + timer_us_to_tsc(ms * 1000));
}

bool watchdog_stop(struct watchdog *w)
{
	if (w->ms)
		timer_cancel(&w->timer);
	return load_acquire(&w->fired);
}
