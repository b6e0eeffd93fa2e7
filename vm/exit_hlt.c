/*
 * HLT exits (HLT exiting stays on: Bochs wakes a guest halted in VMX non-root operation badly,
 * docs/emulators.md §9.2).  Order of the checks, each one cheaper than the next:
 *   0. an NMI, INIT or SIPI for the vCPU (its LAPIC events word): resume, whatever IF says.
 *   1. IF=0 (`cli; hlt`): block without the wakeup vector.  pi_put leaves SN=1, so no posted
 *      interrupt wakes it (docs/pi.md, known bug 6); only an explicit sched_wake() does.
 *   2. something already pending (PIR included, bug 2; RVI; fallback backlog; expired guest
 *      timer): resume at once.  This is also what catches a notification that was queued for
 *      the entry and taken in root mode right after an immediate HLT exit (bug 17).
 *   3. halt-poll: spin up to poll_tsc with IRQs off, watching the descriptor.  A hit resumes the
 *      vCPU without any write to its descriptor (state E of pi.c: NV=NOTIFY, SN=0, NDST=here, so
 *      a poster's notification lands in this pCPU's LAPIC and is processed at the entry).
 *   4. miss: sched_block(), full barrier, last check (a post since then cancels the block:
 *      bug 7), EXIT_SWITCH; sched_switch() then calls pi_put(blocking).
 * A standard guest (VM_PC) whose vCPUs all block with IF=0 is ended as "halted for good":
 * nothing can wake them (vm_halt_if0).
 * The window adapts like KVM's halt_poll_ns: a block that ended within the maximum window grows
 * it (doubling from max/16), a longer one shrinks it (halving); vcpu_halt_poll_max = 0 disables.
 * "bug N" is known bug N of docs/pi.md.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "kernel/sched.h"
#include "trace/trace.h"
#include "vm/exit.h"
#include "vm/halt_poll.h"
#include "vm/pi_stats.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"

static bool halt_poll(struct vcpu *v, u32 cpu)
{
	u64 end = rdtsc() + v->poll_tsc;

	while (rdtsc() < end) {
		if (vcpu_has_pending(v))
			return true;
		if (load_relaxed(&sched_rqs[cpu].need_resched) || READ_ONCE(v->vm->dead))
			return false;
		cpu_relax();
	}
	return false;
}

enum exit_action exit_hlt(struct vcpu *v)
{
	u32 cpu = pcpu_id();
	bool irq_on = vmcs_readnat(GUEST_RFLAGS) & RFLAGS_IF;
	u64 w0 = pi_pcpu_stats[cpu].desc_writes, max = vcpu_halt_poll_max_for(v);

	/* the VM's ceiling may be lower than the window the vCPU was created with */
	v->poll_tsc = MIN(v->poll_tsc, max);
	vcpu_skip_insn(v);
	v->block_if = irq_on;
	if (unlikely(vcpu_has_events(v))) {
		v->st.hlt_pending++; /* an NMI, INIT or SIPI: HLT ends whatever IF says */
		return EXIT_RESUME;
	}
	if (!irq_on) {
		v->st.hlt_if0++;
	} else if (vcpu_has_pending(v)) {
		v->st.hlt_pending++;
		return EXIT_RESUME;
	} else if (v->poll_tsc) {
		TRACE(TRACE_EV_POLL, 0, v->se.trace_id, v->poll_tsc, 0);
		bool hit = halt_poll(v, cpu);

		TRACE(TRACE_EV_POLL, TRACE_F_END | (hit ? TRACE_F_HIT : 0), v->se.trace_id,
		      v->poll_tsc, 0);
		if (hit) {
			v->st.poll_hits++;
			v->st.poll_hit_writes += pi_pcpu_stats[cpu].desc_writes - w0;
			return EXIT_RESUME;
		}
		v->st.poll_misses++;
	}
	VCPU_TEST_POINT(v, VTP_HLT_CHECKED, false, false);
	v->st.blocks++;
	v->counting_block = true;
	v->block_tsc = rdtsc();
	v->block_writes0 = load_relaxed(&v->st.desc_writes);
	sched_block(&v->se);
	smp_mb(); /* "blocking" before the PIR reads below; pairs with pi_env_wake (pi.h) */
	if ((irq_on && vcpu_has_pending(v)) || vcpu_has_events(v))
		sched_wake(&v->se);
	/* a standard guest with every vCPU in `cli; hlt` can never wake: it ends (vm.h) */
	if (!irq_on)
		vm_halt_if0(v, true);
	VCPU_TEST_POINT(v, VTP_HLT_LAST_CHECK, false, false);
	return EXIT_SWITCH;
}

/* Called at the first entry after a block: adapt the window to how long it lasted. */
void vcpu_block_done(struct vcpu *v)
{
	v->poll_tsc =
		halt_poll_next(v->poll_tsc, vcpu_halt_poll_max_for(v), rdtsc() - v->block_tsc);
}
