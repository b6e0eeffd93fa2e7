/*
 * INTERFACE: the per-pCPU scheduler.  Each pCPU has a run queue of sched entities (vCPUs); the
 * pCPU's loop calls sched_switch() whenever it may change what it runs, and the scheduler calls
 * the entity's switch_out/switch_in hooks around every change, which is where vm/ calls
 * pi_put()/pi_load() (ACRN's switch_out/switch_in, KVM's vcpu_put/vcpu_load).
 * kernel/ never sees vCPUs: only struct sched_entity, embedded in vm/'s struct vcpu.
 *
 * Entity states (field state, protected by the owning run queue's lock):
 *   RUNNABLE  on rq->queue, waiting for its pCPU
 *   RUNNING   rq->curr of its pCPU (between switch_in and switch_out)
 *   BLOCKED   on no queue; sched_wake() makes it RUNNABLE on its pCPU
 *   DEAD      never runs again (a killed guest)
 * "blocking" is the window in which a RUNNING entity has decided to block (guest HLT, nothing
 * pending) but has not been switched out yet; a sched_wake() in that window cancels the block,
 * so no wakeup is lost.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "arch/x86/spinlock.h"
#include "lib/config.h"
#include "lib/list.h"
#include "lib/types.h"

enum sched_state { SE_RUNNABLE, SE_RUNNING, SE_BLOCKED, SE_DEAD };

#define SCHED_NO_PIN 0xffffffffu

struct sched_entity;

struct sched_ops {
	/* After the entity became rq->curr of cpu; IRQs off. */
	void (*switch_in)(struct sched_entity *se, u32 cpu);
	/*
	 * After it stopped being rq->curr; IRQs off.  blocking: it blocked (HLT); preempted:
	 * the pCPU was taken away while it was runnable.  Both may be true (marked blocking, then
	 * preempted before it switched out: state C' of docs/pi.md).
	 */
	void (*switch_out)(struct sched_entity *se, bool blocking, bool preempted);
};

struct sched_entity {
	struct list_head link; /* on rq->queue while RUNNABLE */
	const struct sched_ops *ops;
	const char *name;
	u32 cpu; /* run queue it belongs to; changed only under that rq's lock */
	u32 pin; /* SCHED_NO_PIN or the only pCPU it may run on */
	enum sched_state state;
	bool blocking;	/* RUNNING and about to block; see above */
	bool on_cpu;	/* between picked and switched out: must not migrate */
	u32 migrate_to; /* SCHED_NO_PIN or a pending migration target */
	u16 trace_id;	/* names it in trace records (trace/trace.h); set by its owner */
	/* statistics, written by the owning pCPU */
	u64 nr_switch_in, nr_preempted, nr_blocked, nr_woken, nr_migrations;
};

struct sched_rq {
	/*
	 * Protects queue, curr, need_resched and the state/cpu/blocking fields of every entity
	 * whose cpu is this pCPU.  IRQ-safe: sched_wake() runs in IRQ context (the PI wakeup
	 * handler).  Two run-queue locks are only nested by migration, lower cpu index first.
	 */
	struct spinlock lock;
	struct list_head queue;
	struct sched_entity *curr;
	bool need_resched;
	u64 nr_switches, nr_idle;
};

extern struct sched_rq sched_rqs[MAX_CPUS];

void sched_init_cpu(u32 cpu);
void sched_entity_init(struct sched_entity *se, const char *name, const struct sched_ops *ops);
/* @pre se is new or BLOCKED-and-unqueued. @post RUNNABLE on cpu's queue; cpu kicked. */
void sched_add(struct sched_entity *se, u32 cpu);

/*
 * The pCPU loop's decision point.  @pre IRQs off, cpu == this pCPU.
 * Switches out the current entity if it is blocking, dead, migrating, or if need_resched is
 * set and another entity is waiting; switches in the next one.
 * @return the entity to run now (possibly the same as before), or NULL to idle.
 */
struct sched_entity *sched_switch(u32 cpu);

/*
 * The current entity of cpu decides to block (HLT with nothing pending).  @pre se == curr.
 * @post blocking is globally visible (full barrier): the caller makes its last check for
 * pending work after this call, and calls sched_wake(se) itself if it finds some.
 */
void sched_block(struct sched_entity *se);
/* Make se runnable (any CPU, any context).  @return true if it was blocked or blocking. */
bool sched_wake(struct sched_entity *se);
/* Ask cpu to reconsider at its next sched_switch (slice expired, higher need). */
void sched_set_need_resched(u32 cpu);
/*
 * Move se to run queue dst.  A RUNNABLE entity moves now; BLOCKED moves so that its wake lands
 * on dst; a RUNNING one moves when it is next switched out.  @return false if pinned elsewhere.
 */
bool sched_migrate(struct sched_entity *se, u32 dst);
/* Kill: never runs again; switched out at the next sched_switch if running. */
void sched_kill(struct sched_entity *se);
/* Number of RUNNABLE entities queued on cpu (not counting curr). */
u32 sched_nr_queued(u32 cpu);

/* Provided by the environment: make cpu run sched_switch() soon (IPI; no-op for this cpu). */
void sched_kick(u32 cpu);

#endif
