/*
 * Per-pCPU round-robin scheduler.  Pure: it uses only spinlocks and sched_kick(), so the same
 * file runs in the hypervisor and in the host unit tests (tests/host/test_sched.c).
 *
 * Transitions, each under the run queue lock of the entity's cpu:
 *   sched_add       new/BLOCKED      -> RUNNABLE (queued)
 *   sched_switch    RUNNABLE (head)  -> RUNNING                 then ops->switch_in
 *                   RUNNING+blocking -> BLOCKED                 then ops->switch_out(true, ?)
 *                   RUNNING+resched  -> RUNNABLE (tail)         then ops->switch_out(?, true)
 *   sched_wake      BLOCKED          -> RUNNABLE; RUNNING+blocking -> RUNNING (block cancelled)
 * The hooks run after the lock is dropped, with IRQs still off: pi_put/pi_load take pi/'s own
 * locks and may send IPIs, and must not nest inside the run queue lock.
 */
#include "kernel/sched.h"
#include "lib/assert.h"
#include "lib/test_seam.h"
#include "trace/trace.h"

struct sched_rq sched_rqs[MAX_CPUS];

void sched_init_cpu(u32 cpu)
{
	struct sched_rq *rq = &sched_rqs[cpu];

	spin_init(&rq->lock, "sched_rq", SPIN_IRQSAFE);
	list_init(&rq->queue);
	rq->curr = NULL;
	rq->need_resched = false;
}

void sched_entity_init(struct sched_entity *se, const char *name, const struct sched_ops *ops)
{
	list_init(&se->link);
	se->ops = ops;
	se->name = name;
	se->cpu = 0;
	se->pin = SCHED_NO_PIN;
	se->state = SE_BLOCKED;
	se->blocking = false;
	se->on_cpu = false;
	se->migrate_to = SCHED_NO_PIN;
	se->trace_id = TRACE_NO_VCPU;
	se->nr_switch_in = se->nr_preempted = se->nr_blocked = 0;
	se->nr_woken = se->nr_migrations = 0;
}

/* Locks the run queue se belongs to, following se->cpu if it changes meanwhile. */
static struct sched_rq *lock_entity_rq(struct sched_entity *se, unsigned long *flags)
{
	for (;;) {
		u32 cpu = __atomic_load_n(&se->cpu, __ATOMIC_ACQUIRE);
		struct sched_rq *rq = &sched_rqs[cpu];
		*flags = spin_lock_irqsave(&rq->lock);
		if (se->cpu == cpu)
			return rq;
		spin_unlock_irqrestore(&rq->lock, *flags);
	}
}

void sched_add(struct sched_entity *se, u32 cpu)
{
	struct sched_rq *rq = &sched_rqs[cpu];
	unsigned long f = spin_lock_irqsave(&rq->lock);

	ASSERT(se->state == SE_BLOCKED && list_empty(&se->link));
	__atomic_store_n(&se->cpu, cpu, __ATOMIC_RELEASE);
	se->state = SE_RUNNABLE;
	list_add_tail(&se->link, &rq->queue);
	spin_unlock_irqrestore(&rq->lock, f);
	sched_kick(cpu);
}

/* prev (RUNNABLE, on no queue, on_cpu) leaves src for dst's queue. */
static void finish_migration(struct sched_entity *se, u32 src, u32 dst)
{
	struct sched_rq *a = &sched_rqs[src < dst ? src : dst];
	struct sched_rq *b = &sched_rqs[src < dst ? dst : src];

	spin_lock(&a->lock);
	spin_lock(&b->lock);
	__atomic_store_n(&se->cpu, dst, __ATOMIC_RELEASE);
	if (se->state == SE_RUNNABLE)
		list_add_tail(&se->link, &sched_rqs[dst].queue);
	se->nr_migrations++;
	TRACE(TRACE_EV_MIGRATE, TRACE_F_DEFERRED, se->trace_id, src, dst);
	spin_unlock(&b->lock);
	spin_unlock(&a->lock);
	sched_kick(dst);
}

struct sched_entity *sched_switch(u32 cpu)
{
	struct sched_rq *rq = &sched_rqs[cpu];
	struct sched_entity *prev, *next = NULL;
	bool out = false, blocked = false, preempted = false;
	u32 move_to = SCHED_NO_PIN;

	spin_lock(&rq->lock);
	prev = rq->curr;
	/*
	 * A migration to this pCPU is none: it was asked for again while prev was being switched
	 * out on its way here (sched_migrate saw on_cpu).  Kept, it would leave prev off every
	 * queue below and then "migrate" it from here to here.
	 */
	if (prev && prev->migrate_to == cpu)
		prev->migrate_to = SCHED_NO_PIN;
	if (prev) {
		if (prev->state == SE_DEAD) {
			out = true;
		} else if (prev->blocking && test_seam.preempt_blocking &&
			   test_seam.preempt_blocking(cpu)) {
			/*
			 * A test made it happen: preempted after deciding to block but before
			 * switching out.  It stays blocking; the put sees both flags, and the
			 * block completes at the sched_switch after it next runs.
			 */
			prev->state = SE_RUNNABLE;
			prev->nr_preempted++;
			/* a pending migration queues it on the new pCPU instead, below */
			if (prev->migrate_to == SCHED_NO_PIN)
				list_add_tail(&prev->link, &rq->queue);
			out = blocked = preempted = true;
		} else if (prev->blocking) {
			prev->blocking = false;
			prev->state = SE_BLOCKED;
			prev->nr_blocked++;
			out = blocked = true;
		} else if (prev->migrate_to != SCHED_NO_PIN ||
			   (rq->need_resched && !list_empty(&rq->queue))) {
			prev->state = SE_RUNNABLE;
			prev->nr_preempted++;
			out = preempted = true;
			if (prev->migrate_to == SCHED_NO_PIN)
				list_add_tail(&prev->link, &rq->queue);
		}
	}
	rq->need_resched = false;
	if (prev && !out) {
		spin_unlock(&rq->lock);
		return prev;
	}
	if (out) {
		move_to = prev->migrate_to;
		prev->migrate_to = SCHED_NO_PIN;
	}
	if (!list_empty(&rq->queue)) {
		next = list_entry(rq->queue.next, struct sched_entity, link);
		list_del_init(&next->link);
		next->state = SE_RUNNING;
		next->on_cpu = true;
		rq->nr_switches++;
	} else {
		rq->nr_idle++;
	}
	rq->curr = next;
	spin_unlock(&rq->lock);

	if (out) {
		TRACE(TRACE_EV_SWITCH_OUT,
		      (blocked ? TRACE_F_BLOCKING : 0) | (preempted ? TRACE_F_PREEMPTED : 0) |
			      (prev->state == SE_DEAD ? TRACE_F_DEAD : 0),
		      prev->trace_id, 0, 0);
		prev->ops->switch_out(prev, blocked, preempted);
		if (move_to != SCHED_NO_PIN)
			finish_migration(prev, cpu, move_to);
		/* Only now may another pCPU run or migrate it: its descriptor is put. */
		__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	}
	if (next) {
		/* A wake-on-the-way-in (sched_wake of the runner) has nothing to do: it runs. */
		next->nr_switch_in++;
		TRACE(TRACE_EV_SWITCH_IN, 0, next->trace_id, 0, 0);
		next->ops->switch_in(next, cpu);
	}
	return next;
}

void sched_block(struct sched_entity *se)
{
	unsigned long f;
	struct sched_rq *rq = lock_entity_rq(se, &f);

	ASSERT(rq->curr == se && se->state == SE_RUNNING);
	se->blocking = true;
	TRACE(TRACE_EV_BLOCK, 0, se->trace_id, 0, 0);
	spin_unlock_irqrestore(&rq->lock, f);
	/*
	 * Like set_current_state(): the caller's last check for pending work (pi_has_pending)
	 * must not be satisfied before "blocking" is visible, or a post + sched_wake() on
	 * another pCPU could miss both.  The unlock is only a release, so fence.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool sched_wake(struct sched_entity *se)
{
	unsigned long f;
	struct sched_rq *rq = lock_entity_rq(se, &f);
	bool woke = false, kick = false;
	u32 cpu = se->cpu;

	if (se->state == SE_BLOCKED) {
		se->state = SE_RUNNABLE;
		list_add_tail(&se->link, &rq->queue);
		se->nr_woken++;
		woke = kick = true;
		TRACE(TRACE_EV_WAKE, TRACE_F_WAS_BLOCKED, se->trace_id, cpu, 0);
	} else if (se->blocking) {
		/* RUNNING, or RUNNABLE after a preempted block: woken before it switched out */
		se->blocking = false;
		se->nr_woken++;
		woke = true;
		TRACE(TRACE_EV_WAKE, 0, se->trace_id, cpu, 0);
	}
	spin_unlock_irqrestore(&rq->lock, f);
	if (kick)
		sched_kick(cpu);
	return woke;
}

void sched_set_need_resched(u32 cpu)
{
	struct sched_rq *rq = &sched_rqs[cpu];
	unsigned long f = spin_lock_irqsave(&rq->lock);
	rq->need_resched = true;
	spin_unlock_irqrestore(&rq->lock, f);
}

bool sched_migrate(struct sched_entity *se, u32 dst)
{
	unsigned long f;

	if (se->pin != SCHED_NO_PIN && se->pin != dst)
		return false;
	for (;;) {
		struct sched_rq *rq = lock_entity_rq(se, &f);
		u32 src = se->cpu;
		if (src == dst) {
			spin_unlock_irqrestore(&rq->lock, f);
			return true;
		}
		if (se->state == SE_RUNNING || se->on_cpu) {
			/* applied by the source pCPU when it switches se out */
			se->migrate_to = dst;
			rq->need_resched = true;
			spin_unlock_irqrestore(&rq->lock, f);
			sched_kick(src);
			return true;
		}
		/* Needs both locks, lower index first: drop ours and retake in order. */
		spin_unlock_irqrestore(&rq->lock, f);
		struct sched_rq *a = &sched_rqs[src < dst ? src : dst];
		struct sched_rq *b = &sched_rqs[src < dst ? dst : src];
		f = spin_lock_irqsave(&a->lock);
		spin_lock(&b->lock);
		bool ok = se->cpu == src && se->state != SE_RUNNING && !se->on_cpu;
		if (ok) {
			if (se->state == SE_RUNNABLE) {
				list_del_init(&se->link);
				list_add_tail(&se->link, &sched_rqs[dst].queue);
			}
			__atomic_store_n(&se->cpu, dst, __ATOMIC_RELEASE);
			se->nr_migrations++;
			TRACE(TRACE_EV_MIGRATE, 0, se->trace_id, src, dst);
		}
		spin_unlock(&b->lock);
		spin_unlock_irqrestore(&a->lock, f);
		if (ok) {
			if (se->state == SE_RUNNABLE)
				sched_kick(dst);
			return true;
		}
	}
}

void sched_kill(struct sched_entity *se)
{
	unsigned long f;
	struct sched_rq *rq = lock_entity_rq(se, &f);
	u32 cpu = se->cpu;

	if (se->state == SE_RUNNABLE)
		list_del_init(&se->link);
	se->state = SE_DEAD;
	se->blocking = false;
	if (rq->curr == se)
		rq->need_resched = true;
	spin_unlock_irqrestore(&rq->lock, f);
	sched_kick(cpu);
}

u32 sched_nr_queued(u32 cpu)
{
	struct sched_rq *rq = &sched_rqs[cpu];
	struct list_head *p;
	u32 n = 0;
	unsigned long f = spin_lock_irqsave(&rq->lock);

	list_for_each(p, &rq->queue) n++;
	spin_unlock_irqrestore(&rq->lock, f);
	return n;
}
