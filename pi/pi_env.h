/*
 * pi_env: the downward contract of pi/.  Declarations only; two implementations exist:
 *   vm/pi_env.c           the kernel (arch/x86/atomic.h, ticket spinlock, x2APIC, sched_wake)
 *   tests/pi_sim/sim_env.c the host simulator (each shared-memory call is a preemption point)
 * pi/pi.c touches memory that another agent (CPU, IOMMU) can see ONLY through these calls.
 *
 * Atomicity: every call is one indivisible step.  Ordering: all read-modify-write calls are
 * sequentially consistent full barriers (x86 LOCK-prefixed instructions are); pi_env_load* is an
 * acquire load and pi_env_store32 a release store.  The simulator treats the calls that only touch
 * CPU-local state (irq save/restore, this_cpu, apic_id) as local steps and the others as
 * preemption points, and runs them under x86-TSO: pi_env_store32 and pi_env_unlock (a release
 * store in the kernel too) wait in a per-pCPU store buffer, which the read-modify-write calls,
 * pi_env_lock, pi_env_mb and pi_env_send_ipi drain first (docs/pi.md "Memory ordering").
 */
#ifndef PI_PI_ENV_H
#define PI_PI_ENV_H

#include "lib/types.h"

struct pi_vcpu;

/* --- shared memory ---------------------------------------------------------------------- */

u64 pi_env_load64(const u64 *p);    /* acquire */
u32 pi_env_load32(const u32 *p);    /* acquire */
void pi_env_store32(u32 *p, u32 v); /* release */
u64 pi_env_xchg64(u64 *p, u64 v);   /* seq_cst; returns the old value */
/* seq_cst; on failure stores the current value into *expected and returns false. */
bool pi_env_cmpxchg64(u64 *p, u64 *expected, u64 desired);
/* seq_cst; bit < 64; return the old value of the bit.  Always a locked RMW, even if unchanged. */
bool pi_env_test_and_set_bit(u64 *word, unsigned int bit);
bool pi_env_test_and_clear_bit(u64 *word, unsigned int bit);
void pi_env_mb(void); /* full barrier (mfence) */

/* --- locks ------------------------------------------------------------------------------ */

/*
 * A pi lock protects one pCPU's wakeup list.  Its contents belong to the implementation (a ticket
 * lock in the kernel, an owner id in the simulator); pi/ only passes pointers around.
 * The lock is also taken from the PI_WAKEUP_VECTOR handler, i.e. in IRQ context, so it must only
 * ever be taken with IRQs disabled (docs/pi.md, known bug 9); both implementations assert that.
 */
typedef struct {
	u32 word;
} pi_lock_t;

void pi_env_lock_init(pi_lock_t *l); /* before the lock is shared */
void pi_env_lock(pi_lock_t *l);	     /* @pre IRQs disabled (asserted) */
void pi_env_unlock(pi_lock_t *l);    /* @pre held by this CPU */

/* --- this CPU --------------------------------------------------------------------------- */

/* Disable IRQs and return a token that restores the previous state. */
unsigned long pi_env_irq_save(void);
/* Restore the state saved by pi_env_irq_save(); IRQs pending meanwhile are taken right after. */
void pi_env_irq_restore(unsigned long flags);
bool pi_env_irqs_disabled(void);
unsigned int pi_env_this_cpu(void);   /* index into pi_cpus[], < MAX_CPUS */
u32 pi_env_apic_id(unsigned int cpu); /* x2APIC ID of pCPU cpu: the NDST value */

/* --- interrupts and the scheduler ------------------------------------------------------- */

/*
 * Send a fixed IPI with vector to the pCPU whose x2APIC ID is apic_id (the NDST encoding), the way
 * a posting IOMMU does.  All stores made before the call are visible to the receiver before the
 * interrupt is (the kernel issues mfence; lfence before the ICR write).  Sending to an offline
 * pCPU loses the IPI, as the hardware would.
 */
void pi_env_send_ipi(u32 apic_id, u8 vector);
/* The same to this pCPU; with IRQs disabled it stays pending until they are enabled again. */
void pi_env_self_ipi(u8 vector);

/*
 * Make the vCPU that embeds pv runnable (kernel: sched_wake() on container_of(pv, struct vcpu,
 * pi)->se).  It is a no-op for a vCPU that is running or already runnable; for a vCPU that has
 * marked itself blocking but not yet switched out it cancels the block (the usual
 * prepare-to-wait rule), so a wake can never be lost between the last check and the switch.
 * It may look at the vCPU's scheduling state with a plain load and no barrier of its own (the
 * kernel's takes the run-queue lock, which is more): the ordering pi/ needs around a wake comes
 * from pi/ itself (pi_enable_posting's barrier), and the simulator's wake has no barrier, to
 * check that.
 * May be called with IRQs disabled and a pi lock held, including from the wakeup handler.
 * Lock order: pi_put/pi_load take a pi lock from the scheduler's switch hooks, so if those run
 * under a run-queue lock, pi_env_wake must not take a run-queue lock that a switch hook on
 * another pCPU may hold (ABBA: rq -> pi lock there, pi lock -> rq here).  Mark the vCPU runnable
 * with an atomic and kick its pCPU instead, or release run-queue locks before calling pi_put/
 * pi_load.
 */
void pi_env_wake(struct pi_vcpu *pv);

#endif
