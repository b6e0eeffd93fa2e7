/*
 * The per-pCPU loop over kernel/sched.h and the vCPU switch hooks (ACRN's switch_in/switch_out,
 * KVM's vcpu_load/vcpu_put): pi_load/pi_put, VMPTRLD/VMCLEAR and the guest timer hand-over.
 *
 * IRQs are off in the loop except in two places: the idle `sti; hlt`, and a one-instruction
 * window after each run of a vCPU, so host interrupts (resched kicks, PI wakeups, timers) that
 * arrived in root mode are taken.  In guest mode they cause external-interrupt exits and are
 * run by exit_extint (ack-on-exit).  VM entry happens with IRQs off from pi_enter_guest() on
 * (docs/pi.md, known bug 19).
 *
 * Time slices and guest deadlines end guest mode through the VMX-preemption timer (SDM Vol. 3C
 * 26.5.1).  Without it (a CPU that lacks it, or vmx_preempt_timer=off) a host timer on the pCPU
 * does the same job: its interrupt causes an external-interrupt exit (pin-based control, always
 * on: 26.2), and exit_extint then makes the checks exit_preempt_timer makes.
 *
 * VMCS and migration: switch_out always VMCLEARs (SDM Vol. 3C 25.11.1: a VMCS must be cleared
 * on its old pCPU before another pCPU may VMPTRLD it).  Doing it on every switch instead of only
 * when a migration is pending is simpler and needs no cross-pCPU call: a BLOCKED vCPU can be
 * migrated by sched_migrate() without ever being switched out again, so "pending migration" is
 * not known at switch-out time.  The cost is VMLAUNCH instead of VMRESUME after each switch.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "vm/exit.h"
#include "vm/pi_stats.h"
#include "vm/vapic.h"
#include "trace/trace.h"
#include "vm/vcpu.h"
#include "vm/vcpu_trace.h"
#include "vm/vcpu_start.h"
#include "vm/vm.h"
#include "vm/vm_barrier.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vm/vtimer.h"

u64 vcpu_halt_poll_max;
u64 vcpu_slice_tsc;

/*
 * The preemption timer's fallback, one per pCPU: armed, moved and cancelled only by its own
 * pCPU (arch/x86/timer.h), with IRQs off in the loop.  slice_at is its deadline while armed.
 */
static struct timer slice_timers[MAX_CPUS];
static u64 slice_at[MAX_CPUS];

/* The interrupt itself is the point: it makes the guest exit (exit.c: exit_extint). */
static void slice_timer_fire(struct timer *t, void *arg)
{
	slice_at[pcpu_id()] = 0;
}

#define SLICE_US_DEFAULT     4000 /* 200,000 Bochs TSC ticks (50 MHz) */
#define HALT_POLL_US_DEFAULT 200  /* KVM's halt_poll_ns default */

/*
 * INIT_LATE: the TSC is calibrated (timer CPUINIT) by now.  The options are range-checked by
 * kernel/cmdline.c (slice 1 us..1 s, poll 0..1 s), which has reported any it refused.
 */
static int vcpu_sched_setup(void)
{
	u64 slice = kernel_option_u64("sched_slice_us", SLICE_US_DEFAULT);
	u64 poll = kernel_option_u64("halt_poll_us", HALT_POLL_US_DEFAULT);

	for (u32 c = 0; c < MAX_CPUS; c++)
		timer_init(&slice_timers[c], slice_timer_fire, NULL);
	vcpu_slice_tsc = timer_us_to_tsc(slice);
	vcpu_halt_poll_max = timer_us_to_tsc(poll);
	printk("vmx: time slice %lu us (%lu TSC), halt-poll up to %lu us (%lu TSC)%s\n", slice,
	       vcpu_slice_tsc, poll, vcpu_halt_poll_max, poll ? "" : ": polling off");
	return 0;
}
INITCALL(INIT_LATE, vcpu_sched_setup);

static struct vcpu *se_vcpu(struct sched_entity *se)
{
	return container_of(se, struct vcpu, se);
}

static void switch_in(struct sched_entity *se, u32 cpu)
{
	struct vcpu *v = se_vcpu(se);

	vcpu_ctx_load(v, cpu);
	if (trace_on(TRACE_EV_PI_LOAD))
		vcpu_trace_pi_load(v, cpu);
	else
		pi_load(&v->pi, cpu);
	v->st.loads++;
	vtimer_switch_in(v, cpu);
	/* The VMCS's host-state fields are those of prev_cpu: set up there or rewritten below. */
	u32 prev_cpu = v->ran_on;
	v->ran_on = cpu;
	v->slice_end = 0;
	if (!v->vmcs_ready) {
		if (vcpu_vmcs_setup(v) < 0) {
			vm_kill(v->vm, "VMCS setup failed");
			return;
		}
		vcpu_flush_vpid(v);
		if (test_seam.vcpu_setup)
			test_seam.vcpu_setup(v);
		return;
	}
	if (!vmcs_load((u64)v->vmcs)) {
		vm_kill(v->vm, "VMPTRLD failed");
		return;
	}
	/*
	 * Host GS/TR/GDTR/IDTR bases differ per pCPU; VMCLEAR keeps the VMCS contents, so they
	 * only need rewriting when the vCPU moved (about 50 ticks per switch-in otherwise).  A
	 * move also needs the VPID flushed here (vcpu_flush_vpid).
	 */
	if (prev_cpu != cpu) {
		vcpu_vmcs_host_percpu();
		vcpu_flush_vpid(v);
	}
}

static void switch_out(struct sched_entity *se, bool blocking, bool preempted)
{
	struct vcpu *v = se_vcpu(se);

	VCPU_TEST_POINT(v, VTP_BEFORE_PUT, blocking, preempted);
	if (trace_on(TRACE_EV_PI_PUT))
		vcpu_trace_pi_put(v, blocking, preempted);
	else
		pi_put(&v->pi, blocking, preempted, v->block_if);
	VCPU_TEST_POINT(v, VTP_AFTER_PUT, blocking, preempted);
	if (blocking)
		v->st.puts_blocking++;
	if (preempted)
		v->st.puts_preempted++;
	if (!blocking && !preempted)
		v->st.puts_other++;
	if (se->state != SE_DEAD)
		vtimer_switch_out(v);
	if (v->vmcs_ready)
		vmcs_clear((u64)v->vmcs);
	v->launched = false;
	/* the next vCPU here arms its own slice, if it needs one */
	if (slice_at[pcpu_id()]) {
		timer_cancel(&slice_timers[pcpu_id()]);
		slice_at[pcpu_id()] = 0;
	}
	vcpu_ctx_save(v, pcpu_id());
}

static const struct sched_ops vcpu_sched_ops = {switch_in, switch_out};

u64 vcpu_halt_poll_max_for(const struct vcpu *v)
{
	return v->vm->poll_max != VM_POLL_DEFAULT ? v->vm->poll_max : vcpu_halt_poll_max;
}

void vcpu_init(struct vcpu *v, bool pinned)
{
	pi_vcpu_init(&v->pi, v->pcpu);
	vcpu_msr_reset(v);
	sched_entity_init(&v->se, v->vm->name, &vcpu_sched_ops);
	v->se.trace_id = trace_vcpu_register(v->vm->name, v->index);
	v->se.pin = pinned ? v->pcpu : SCHED_NO_PIN;
	v->poll_tsc = vcpu_halt_poll_max_for(v);
	for (u32 c = 0; c < MAX_CPUS; c++)
		timer_init(&v->host_timer[c], vtimer_host_fire, v);
}

void vcpu_post(struct vcpu *v, u8 vector)
{
	bool coalesced = false;

	fetch_add(&v->st.posted, 1);
	/*
	 * The same vector still pending (in the PIR, or in the virtual-APIC IRR) merges with this
	 * post: interrupts coalesce by vector, as on hardware.  Counted, so that a test can tell
	 * coalescing from a lost interrupt.  A sample, not atomic with the post.
	 */
	if ((load_relaxed(&v->pi.desc.pir[vector / 64]) >> (vector % 64) & 1) ||
	    (v->vapic &&
	     (load_relaxed(&v->vapic[(0x200 + 16 * (vector / 32)) / 4]) >> (vector % 32) & 1))) {
		fetch_add(&v->st.coalesced, 1);
		coalesced = true;
	}
	if (trace_on(TRACE_EV_POST)) {
		vcpu_trace_post(v, vector, coalesced);
		return;
	}
	if (pi_post(&v->pi, vector))
		fetch_add(&v->st.post_notified, 1);
}

/*
 * From v's own exit handling (a self-IPI, its timer firing at a preemption-timer or HLT exit):
 * straight into its virtual-APIC state for the coming entry, or the HLT check that follows.
 * Through the descriptor it would cost a notification self-IPI that stays pending across the
 * entry for nothing, since the entry syncs the PIR anyway (and Bochs then takes the empty
 * notification for vector 0xff, docs/vapic.md).  Any other poster, on this pCPU too (a test
 * point in the HLT path, a host timer), must take the descriptor: only that wakes a vCPU that
 * is about to block.
 */
void vcpu_post_own(struct vcpu *v, u8 vector)
{
	fetch_add(&v->st.posted, 1);
	vapic_deliver_now(v, vector);
	/* a post like any other in the trace: not notified, the descriptor untouched */
	TRACE(TRACE_EV_POST, 0, v->se.trace_id, vector, load_relaxed(&v->pi.desc.control));
}

bool vcpu_has_pending(struct vcpu *v)
{
	vtimer_check(v, VTIMER_OWN_EXIT);
	return pi_has_pending(&v->pi) || vapic_has_pending(v);
}

void vcpu_kick(struct vcpu *t)
{
	if (!sched_wake(&t->se))
		sched_kick(load_acquire(&t->se.cpu));
}

/*
 * Anything waiting on this pCPU's run queue?  A lock-free peek: sched_nr_queued() takes the lock
 * and walks the list, on every entry.  A vCPU queued just after the peek comes with a resched
 * kick, and the exit it causes re-arms the timer with the slice.
 */
static bool queued(u32 cpu)
{
	const struct list_head *q = &sched_rqs[cpu].queue;

	return load_relaxed(&q->next) != q;
}

/* Without the VMX-preemption timer: the host timer at the same deadline (none: cancelled). */
static void arm_slice_timer(u32 cpu, u64 now, u64 left)
{
	u64 at = left == ~0ull ? 0 : now + left;

	if (at == slice_at[cpu])
		return;
	slice_at[cpu] = at;
	if (at)
		timer_arm(&slice_timers[cpu], at);
	else
		timer_cancel(&slice_timers[cpu]);
}

/* VMX-preemption timer value for this entry: the slice if others wait, the guest's deadline. */
static void arm_preemption_timer(struct vcpu *v, u32 cpu, const struct vmx_controls *c)
{
	u64 now = rdtsc(), left = ~0ull, d;

	if (!v->vm->tickless || queued(cpu)) {
		if (!v->slice_end)
			v->slice_end = now + vcpu_slice_tsc;
		left = v->slice_end > now ? v->slice_end - now : 0;
	}
	d = load_acquire(&v->tsc_deadline);
	if (d && (v->lvt_timer & APIC_LVT_MASKED) == 0)
		left = MIN(left, d > now ? d - now : 0);
	if (!c->preempt_timer) {
		arm_slice_timer(cpu, now, left);
		return;
	}
	left >>= c->preempt_shift;
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, left > 0xffffffffull ? 0xffffffffu : (u32)left);
}

/* One entry and the handling of the exit it ends with. */
static enum exit_action enter_once(struct vcpu *v, u32 cpu, const struct vmx_controls *c)
{
	u64 virr[4] = {0, 0, 0, 0};
	unsigned long flags;
	int r;

	arm_preemption_timer(v, cpu, c);
	/* IRQs stay off from here to the VM entry: pi_enter_guest (docs/pi.md, known bug 19). */
	flags = pi_enter_guest(&v->pi, virr);
	/* Most entries sync nothing, and with VID there is then nothing to do (docs/bench.md). */
	if (!c->vid || (virr[0] | virr[1] | virr[2] | virr[3]))
		vapic_deliver(v, virr);
	if (v->counting_block) {
		/* first entry after a HLT miss: the whole block->wake->load cycle is behind us */
		v->counting_block = false;
		v->st.block_cycles++;
		/* every control-word write of the cycle, the poster's ON included */
		v->st.block_cycle_writes += load_relaxed(&v->st.desc_writes) - v->block_writes0;
		vcpu_block_done(v);
		if (!v->block_if)
			vm_halt_if0(v, false); /* something woke a `cli; hlt` after all */
	}
	VCPU_TEST_POINT(v, VTP_BEFORE_ENTRY, false, false);
	/* last: the L1D flush / VERW must come after everything the host touched for this entry */
	r = vmx_enter(&v->regs, vm_barrier_entry(v, cpu) | (v->launched ? VMX_ENTER_RESUME : 0));
	pi_env_irq_restore(flags);
	if (r) {
		u32 err = r == 2 ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
		printk("vmx: [%s/%u] %s failed: %s, VM-instruction error %u (%s)\n", v->vm->name,
		       v->index, v->launched ? "VMRESUME" : "VMLAUNCH",
		       r == 2 ? "VMfailValid" : "VMfailInvalid", err, vmcs_insn_error_name(err));
		v->exit_reason = 0;
		return vmx_exit_fatal(v, "VM entry instruction failed");
	}
	v->launched = true;
	return vmx_handle_exit(v);
}

static void finish(struct vcpu *v, struct vcpu_run *run, enum vcpu_state state)
{
	if (state != VCPU_PARKED)
		vcpu_start_finished(v);
	v->state = state;
	v->end_tsc = rdtsc();
	sched_kill(&v->se);
	if (fetch_add(&run->live, -1u) == 1)
		for (u32 c = 0; c < pcpu_count(); c++)
			if (run->cpus & (1ull << c))
				sched_kick(c);
}

/* Runs v until it gives up the pCPU (blocks, yields, slice over, migration) or finishes. */
static void run_vcpu(struct vcpu *v, u32 cpu, struct vcpu_run *run, const struct vmx_controls *c)
{
	enum exit_action a;

	for (;;) {
		if (READ_ONCE(v->vm->dead) || !v->vmcs_ready) {
			finish(v, run, VCPU_DEAD);
			return;
		}
		/* INIT, SIPI, wait-for-SIPI, NMI (vcpu_start.h); an NMI goes in before the
		 * fallback's external interrupts are injected at the entry */
		if (unlikely(load_relaxed(&v->lapic.events))) {
			enum start_action s = vcpu_lapic_events(v);
			if (s == START_PARK)
				finish(v, run, VCPU_PARKED);
			if (s != START_RUN)
				return;
		}
		a = enter_once(v, cpu, c);
		if (a == EXIT_STOP) {
			finish(v, run, v->state == VCPU_DONE ? VCPU_DONE : VCPU_DEAD);
			return;
		}
		if (a == EXIT_SWITCH || load_relaxed(&sched_rqs[cpu].need_resched))
			return;
	}
}

/*
 * Idle balancing: pull the first RUNNABLE, unpinned vCPU queued on another pCPU.  The peek is
 * under that queue's lock; sched_migrate() re-checks everything under both locks.
 */
static bool balance(u32 cpu)
{
	for (u32 c = 0; c < pcpu_count(); c++) {
		struct sched_rq *rq = &sched_rqs[c];
		struct sched_entity *pick = NULL;
		struct list_head *p;

		if (c == cpu)
			continue;
		spin_lock(&rq->lock);
		list_for_each(p, &rq->queue)
		{
			struct sched_entity *se = list_entry(p, struct sched_entity, link);
			if (se->pin == SCHED_NO_PIN && se->ops == &vcpu_sched_ops) {
				pick = se;
				break;
			}
		}
		spin_unlock(&rq->lock);
		if (pick && sched_migrate(pick, cpu)) {
			pi_pcpu_stats[cpu].pulls++;
			return true;
		}
	}
	return false;
}

void vcpu_loop(struct vcpu_run *run)
{
	const struct vmx_controls *c = vmx_get_controls();
	u32 cpu = pcpu_id();
	unsigned long flags = irq_save();

	if (run->pcpu_hook)
		run->pcpu_hook(cpu, run->hook_arg);
	while (load_acquire(&run->live)) {
		struct sched_entity *se = sched_switch(cpu);

		if (!se) {
			/* taken offline by a test: nothing is loaded here now */
			if (test_seam.pcpu_leaving && test_seam.pcpu_leaving(cpu))
				break;
			if (balance(cpu))
				continue;
			pi_pcpu_stats[cpu].idle_halts++;
			TRACE(TRACE_EV_IDLE, 0, TRACE_NO_VCPU, 0, 0);
			/* sti; hlt: an interrupt that is already pending ends the hlt at once */
			cpu_safe_halt();
			irq_disable();
			TRACE(TRACE_EV_IDLE, TRACE_F_END, TRACE_NO_VCPU, 0, 0);
			continue;
		}
		/*
		 * Injected preemption of a blocking vCPU (test_seam.preempt_blocking): it was
		 * switched out and back in without running; the block completes at the next
		 * sched_switch.  Entering the guest now would end its HLT without an interrupt.
		 */
		if (READ_ONCE(se->blocking))
			continue;
		run_vcpu(se_vcpu(se), cpu, run, c);
		irq_enable();
		asm volatile("nop");
		irq_disable();
	}
	/* Switch out the last (dead) vCPU: pi_put sets SN, its VMCS is cleared. */
	sched_switch(cpu);
	if (test_seam.pcpu_parked)
		test_seam.pcpu_parked(cpu);
	irq_restore(flags);
}
