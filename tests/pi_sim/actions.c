/*
 * The host side of the hypervisor, reduced to what pi/ sees: each scripted action is what
 * vm/ and the scheduler do around pi_load/pi_put/pi_enter_guest.  Also counts descriptor
 * control-word writes (locked RMWs, including failed cmpxchg) per transition.
 */
#include "tests/pi_sim/sim.h"

const char *const sim_trans_name[T_COUNT] = {
	[T_NONE] = "other",
	[T_BLOCK] = "block (put, IF=1)",
	[T_WAKE_LOAD] = "wake (load after block)",
	[T_PREEMPT_PUT] = "preempt (put)",
	[T_RESUME_LOAD] = "resume (load, same pCPU)",
	[T_MIGRATE_LOAD] = "migrate (load, other pCPU)",
	[T_HALT_HIT] = "halt-poll hit",
	[T_HANDLER] = "wakeup handler",
	[T_ENTRY] = "VM entry sync",
};
unsigned long sim_trans_n[T_COUNT], sim_trans_writes[T_COUNT], sim_trans_max[T_COUNT];

void sim_trans_begin(struct sim_thread *t, enum sim_trans tr)
{
	t->trans = tr;
	t->trans_writes = 0;
}

void sim_trans_end(struct sim_thread *t)
{
	if (t->trans != T_NONE) {
		sim_trans_n[t->trans]++;
		sim_trans_writes[t->trans] += t->trans_writes;
		if ((unsigned long)t->trans_writes > sim_trans_max[t->trans])
			sim_trans_max[t->trans] = t->trans_writes;
	}
	t->trans = T_NONE;
	t->trans_writes = 0;
}

void sim_count_ctl_write(const u64 *p)
{
	struct sim_thread *t = sim_self();
	int v;

	if (!t || t->cpu < 0)
		return;
	for (v = 0; v < sim.sc->nvcpus; v++)
		if (p == &sim.vcpu[v].pv.desc.control)
			t->trans_writes++;
}

/*
 * The scheduler's look at a vCPU's state, as this pCPU sees it (its own buffered "blocking"
 * store included), and its updates of the state.  The kernel makes those under the run-queue
 * lock, a locked instruction, so this pCPU's buffered stores reach memory first.
 */
static u32 vstate(const struct sim_thread *t, struct sim_vcpu *sv)
{
	return (u32)tso_load(t->cpu, &sv->state, 4);
}

static void set_vstate(const struct sim_thread *t, struct sim_vcpu *sv, u32 state)
{
	tso_drain(t->cpu);
	sv->state = state;
}

static struct sim_vcpu *loaded_here(struct sim_thread *t, int v)
{
	struct sim_vcpu *sv = &sim.vcpu[v];
	u32 state = vstate(t, sv);

	if (sv->cpu != t->cpu || state == VS_RUNNABLE || state == VS_BLOCKED)
		return NULL;
	return sv;
}

/* pi_enter_guest + the VM-entry step itself (a post may land between the two). */
static void enter_guest(struct sim_thread *t, struct sim_vcpu *sv)
{
	u64 before[4] = {0};
	unsigned long flags;

	sim_trans_begin(t, T_ENTRY);
	flags = pi_enter_guest(&sv->pv, sv->virr);
	sim_trans_end(t);
	sv->entry_flags = flags;
	hw_record_delivery(sv - sim.vcpu, before);
	sim_yield("vmentry");
	sim.cpu[t->cpu].in_guest = true;
}

/* VM exit: back in root mode; host IRQs come back on (pending IPIs are taken now). */
static void exit_guest(struct sim_thread *t, struct sim_vcpu *sv)
{
	sim_yield("vmexit");
	sim.cpu[t->cpu].in_guest = false;
	pi_env_irq_restore(sv->entry_flags);
}

static void switch_out(struct sim_thread *t, struct sim_vcpu *sv, bool blocked)
{
	sim_yield("switch out");
	/* Under the run-queue lock: a wake either cancelled the block already or sees it done. */
	tso_drain(t->cpu);
	sim.cpu[t->cpu].vcpu = -1;
	sv->cpu = -1;
	sv->last_cpu = t->cpu;
	sv->last_out_blocked = blocked && sv->state == VS_BLOCKING;
	sv->state = sv->last_out_blocked ? VS_BLOCKED : VS_RUNNABLE;
}

static void do_load(struct sim_thread *t, int v)
{
	struct sim_vcpu *sv = &sim.vcpu[v];
	enum sim_trans tr;

	sim_wait(W_VRUNNABLE, NULL, v, "wait runnable");
	if (loaded_here(t, v))
		return; /* the halt found an interrupt pending: it never left */
	if (sim.cpu[t->cpu].vcpu >= 0)
		sim_fail("script error: cpu%d loads vCPU%d over vCPU%d", t->cpu, v,
			 sim.cpu[t->cpu].vcpu);
	set_vstate(t, sv, VS_LOADED);
	sv->cpu = t->cpu;
	sim.cpu[t->cpu].vcpu = v;
	tr = sv->last_out_blocked     ? T_WAKE_LOAD
	     : sv->last_cpu == t->cpu ? T_RESUME_LOAD
				      : T_MIGRATE_LOAD;
	sim_trans_begin(t, tr);
	sv->in_op = OP_LOAD;
	pi_load(&sv->pv, t->cpu);
	sv->in_op = OP_NONE;
	sim_trans_end(t);
	enter_guest(t, sv);
}

static void do_halt(struct sim_thread *t, int v, bool guest_if, bool preempted)
{
	struct sim_vcpu *sv = loaded_here(t, v);

	if (!sv)
		return; /* not running here (script left it elsewhere) */
	exit_guest(t, sv);
	sv->halt_if = guest_if;
	sim_yield("mark blocking");
	/*
	 * A plain store, and no barrier before the last check: weaker than the kernel's
	 * sched_block, which fences like set_current_state.  pi/ must not need that barrier for
	 * its own pairings (pi_put has its own before it reads posting_enabled).
	 */
	tso_store(t->cpu, &sv->state, VS_BLOCKING, 4);
	/* Last check before blocking (kvm_vcpu_check_block); IF=0 ignores interrupts. */
	sim_trans_begin(t, T_HALT_HIT);
	if (guest_if && !preempted && pi_has_pending(&sv->pv)) {
		sim_trans_end(t);
		set_vstate(t, sv, VS_LOADED);
		enter_guest(t, sv);
		return;
	}
	sim_trans_begin(t, guest_if && !preempted ? T_BLOCK : T_NONE);
	sv->in_op = OP_PUT;
	pi_put(&sv->pv, true, preempted, guest_if);
	sv->in_op = OP_NONE;
	sim_trans_end(t);
	if (preempted)
		set_vstate(t, sv, VS_LOADED); /* a preempted task stays runnable */
	switch_out(t, sv, true);
}

static void do_preempt(struct sim_thread *t, int v)
{
	struct sim_vcpu *sv = loaded_here(t, v);

	if (!sv)
		return;
	exit_guest(t, sv);
	sim_trans_begin(t, T_PREEMPT_PUT);
	sv->in_op = OP_PUT;
	pi_put(&sv->pv, false, true, true);
	sv->in_op = OP_NONE;
	sim_trans_end(t);
	switch_out(t, sv, false);
}

/* A pCPU that has to do host work leaves guest mode for it and re-enters afterwards. */
static struct sim_vcpu *host_work_begin(struct sim_thread *t)
{
	int v = sim.cpu[t->cpu].vcpu;

	if (v < 0 || !sim.cpu[t->cpu].in_guest)
		return NULL;
	exit_guest(t, &sim.vcpu[v]);
	return &sim.vcpu[v];
}

static void host_work_end(struct sim_thread *t, struct sim_vcpu *sv)
{
	if (sv)
		enter_guest(t, sv);
}

void sim_run_action(struct sim_thread *t, const struct sim_action *a)
{
	struct sim_vcpu *sv;

	switch (a->op) {
	case A_LOAD:
		do_load(t, a->a);
		break;
	case A_HALT:
		do_halt(t, a->a, a->b, false);
		break;
	case A_HALT_PREEMPT:
		do_halt(t, a->a, true, true);
		break;
	case A_PREEMPT:
		do_preempt(t, a->a);
		break;
	case A_POST:
		sv = host_work_begin(t);
		sim_yield("vIPI");
		sim.vcpu[a->a].posted[(u8)a->b]++;
		pi_post(&sim.vcpu[a->a].pv, (u8)a->b);
		host_work_end(t, sv);
		break;
	case A_HWPOST:
		sim_yield("IOMMU post");
		hw_iommu_post(a->a, (u8)a->b);
		break;
	case A_ENABLE:
	case A_DISABLE:
		/*
		 * The IRTE changes first: pointed at the descriptor before posting is enabled,
		 * and gone (invalidation completed, so the IOMMU no longer uses it) before it is
		 * disabled.  The IOMMU agent looks at the IRTE, never at posting_enabled.
		 */
		sv = host_work_begin(t);
		sim_yield("IRTE");
		sim.vcpu[a->a].irte = a->op == A_ENABLE;
		if (a->op == A_ENABLE)
			pi_enable_posting(&sim.vcpu[a->a].pv);
		else
			pi_disable_posting(&sim.vcpu[a->a].pv);
		host_work_end(t, sv);
		break;
	case A_OFFLINE:
		if (sim.cpu[t->cpu].vcpu >= 0)
			sim_fail("script error: cpu%d goes offline with a vCPU loaded", t->cpu);
		sim_yield("offline");
		tso_drain(t->cpu); /* a CPU that stops executes serializing instructions first */
		sim.cpu[t->cpu].irq_on = false;
		sim.cpu[t->cpu].online = false;
		sim.cpu[t->cpu].irr = 0;
		break;
	case A_ADOPT:
		sim_wait(W_OFFLINE, NULL, a->a, "wait offline");
		sv = host_work_begin(t);
		pi_cpu_offline(a->a, t->cpu);
		host_work_end(t, sv);
		break;
	case A_SET:
		/*
		 * A flag stands for an event that comes after the sender's work (a device that
		 * posts once posting is enabled), so it is set once the sender's stores are in
		 * memory; set earlier it could show orders no program of the host could see.
		 */
		sim_yield("set flag");
		tso_drain(t->cpu);
		sim.flags[(int)a->a] = true;
		break;
	case A_WAIT:
		sim_wait(W_FLAG, NULL, a->a, "wait flag");
		break;
	case A_EXPECT_PENDING:
		if (!pi_has_pending(&sim.vcpu[a->a].pv))
			sim_fail("pi_has_pending(vCPU%d) is false with PIR %#llx ctl %#llx (bug 2)",
				 a->a, (unsigned long long)sim.vcpu[a->a].pv.desc.pir[1],
				 (unsigned long long)sim.vcpu[a->a].pv.desc.control);
		break;
	default:
		sim_fail("bad action %d", a->op);
	}
}
