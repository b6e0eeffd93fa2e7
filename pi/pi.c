/*
 * The posted-interrupt put/load protocol (design of KVM's "Handle PI wakeup shenanigans during
 * vcpu_put/load", reimplemented; docs/pi.md).  Descriptor: pi_desc.h (SDM Vol. 3C 29.6).
 *
 * State table (docs/pi.md has the same table with the transitions):
 *
 *   vCPU state             wakeup list          NV      SN  NDST        entered by
 *   A running in guest     none                 NOTIFY  0   this pCPU   pi_load
 *   B preempted/runnable   none                 NOTIFY  1   last pCPU   pi_put(preempted)
 *   C blocked, IF=1        pi_cpus[cpu] list    WAKEUP  0   that pCPU   pi_put(blocking)
 *   D blocked, IF=0        none                 NOTIFY  1   last pCPU   pi_put(blocking, !IF)
 *   D' blocked, no posting none                 NOTIFY  1   last pCPU   pi_put(blocking), flag 0
 *   E halt-polling         none                 NOTIFY  0   this pCPU   (no put: untouched)
 *   C' blocking+preempted  pi_cpus[cpu] list    WAKEUP  1   that pCPU   pi_put(both)
 *
 * Transitions: A->B, A->C, A->C', A->D, A->D' (pi_put); B,C,C',D,D'->A (pi_load; fast path when
 * NV=NOTIFY on the same pCPU); C->runnable (pi_wakeup_handler -> pi_env_wake); C on a dying pCPU
 * -> C on another (pi_cpu_offline).  Posting (pi_post or the IOMMU) is allowed in every state.
 *
 * Lines tagged "M:<name>" are the mutation points of tests/pi_sim/mutants.txt: each tag marks a
 * line whose removal or change re-creates a historical bug.  Keep the tags when editing.
 *
 * "bug N" in the comments below is known bug N of docs/pi.md, which says what went wrong and
 * which tests cover it.
 */
#include "lib/assert.h"
#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/list.h"
#include "lib/types.h"
#include "pi/pi.h"
#include "pi/pi_desc.h"
#include "pi/pi_env.h"

struct pi_cpu pi_cpus[MAX_CPUS];

void pi_cpu_init(unsigned int cpu)
{
	ASSERT(cpu < MAX_CPUS);
	pi_env_lock_init(&pi_cpus[cpu].lock);
	list_init(&pi_cpus[cpu].wakeup_list);
}

void pi_vcpu_init(struct pi_vcpu *pv, unsigned int cpu)
{
	unsigned int i;

	ASSERT(cpu < MAX_CPUS);
	/* Plain stores: nobody else can see pv yet. */
	for (i = 0; i < ARRAY_SIZE(pv->desc.pir); i++)
		pv->desc.pir[i] = 0;
	for (i = 0; i < ARRAY_SIZE(pv->desc.rsvd); i++)
		pv->desc.rsvd[i] = 0;
	pv->desc.control = __pi_ctl_make(false, true, PI_NOTIFY_VECTOR, pi_env_apic_id(cpu));
	list_init(&pv->wakeup_link);
	pv->cpu = cpu;
	pv->posting_enabled = 0;
}

static bool pi_pir_pending(struct pi_vcpu *pv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pv->desc.pir); i++)
		if (pi_env_load64(&pv->desc.pir[i]))
			return true;
	return false;
}

/*
 * SN was just cleared by the cmpxchg that produced ctl.  A poster that saw SN=1 set a PIR bit
 * but neither ON nor a notification, so make ON say what PIR says, or pi_enter_guest() would
 * skip the PIR (bug 1).  The cmpxchg was a full barrier, so these PIR reads cannot pass it; a
 * poster that comes later sees SN=0 and sets ON itself.  No IPI is needed: the caller is about
 * to enter the guest, and pi_enter_guest() looks at ON.
 */
static void pi_recompute_on(struct pi_vcpu *pv, u64 ctl)
{
	if (!pi_ctl_on(ctl) && pi_pir_pending(pv))
		pi_env_test_and_set_bit(&pv->desc.control, PI_CTL_ON_BIT); /* M:recompute_on */
}

/*
 * Lock the wakeup list of the pCPU pv is bound to.  pi_cpu_offline() may rebind pv (under the
 * old pCPU's lock) until we hold that lock, so re-read pv->cpu once we have it.
 */
static struct pi_cpu *pi_lock_bound_cpu(struct pi_vcpu *pv)
{
	struct pi_cpu *pc;
	unsigned int prev;

	for (;;) {
		prev = pi_env_load32(&pv->cpu);
		pc = &pi_cpus[prev]; /* M:prev_list */
		pi_env_lock(&pc->lock);
		if (pi_env_load32(&pv->cpu) == prev) /* M:recheck */
			return pc;
		pi_env_unlock(&pc->lock);
	}
}

void pi_load(struct pi_vcpu *pv, unsigned int cpu)
{
	u64 *ctl = &pv->desc.control;
	struct pi_cpu *pc;
	unsigned long flags;
	u64 old, new;

	ASSERT(cpu == pi_env_this_cpu());
	/*
	 * B -> A on the same pCPU.  NV != WAKEUP means pv is on no list, and nobody but a blocking
	 * put (on the pCPU pv runs on, i.e. us) sets WAKEUP, so pv->cpu and NDST are stable and
	 * already right: only SN has to go.  Only pi_put/pi_load change SN, so the snapshot's SN
	 * is exact; posters may change ON meanwhile, hence the cmpxchg loop.
	 */
	old = pi_env_load64(ctl);
	if (pi_ctl_nv(old) != PI_WAKEUP_VECTOR && pi_env_load32(&pv->cpu) == cpu) {
		if (!pi_ctl_sn(old)) /* M:load_clear_sn */
			return;
		do {
			new = __pi_ctl_set_sn(old, false);
		} while (!pi_env_cmpxchg64(ctl, &old, new));
		pi_recompute_on(pv, new);
		return;
	}

	/*
	 * C/C'/D -> A, or B -> A on another pCPU (migration).  IRQs off: the list lock is IRQ-safe.
	 * The lock of the list we may be on covers the whole update, so NV=WAKEUP and list
	 * membership change together for every observer that takes the lock (the wakeup handler).
	 */
	flags = pi_env_irq_save();
	pc = pi_lock_bound_cpu(pv);
	/*
	 * Leave the PREVIOUS pCPU's list (we may have migrated) before NDST moves away from it:
	 * a vCPU left behind on the old list would never be found by the handler that its
	 * notifications now reach (bug 3), and would be added twice when it blocks again (bug 4).
	 */
	if (!list_empty(&pv->wakeup_link))	 /* M:unlist_cond */
		list_del_init(&pv->wakeup_link); /* M:leave_list */
	/* NDST, SN and NV in one cmpxchg: a poster sees either the old or the new triple. */
	old = pi_env_load64(ctl);
	do {
		new = __pi_ctl_set_ndst(old, pi_env_apic_id(cpu));
		new = __pi_ctl_set_sn(new, false);
		new = __pi_ctl_set_nv(new, PI_NOTIFY_VECTOR); /* M:load_nv */
	} while (!pi_env_cmpxchg64(ctl, &old, new));
	pi_env_store32(&pv->cpu, cpu); /* M:load_bind */
	pi_env_unlock(&pc->lock);      /* M:load_unlock */
	pi_env_irq_restore(flags);
	pi_recompute_on(pv, new);
}

/*
 * A -> C: put pv on this pCPU's wakeup list and switch NV to WAKEUP, so that a post reaches
 * pi_wakeup_handler() here instead of being absorbed as a notification in root mode.
 */
static void pi_arm_wakeup(struct pi_vcpu *pv)
{
	unsigned int cpu = pi_env_this_cpu();
	struct pi_cpu *pc = &pi_cpus[cpu];
	u64 *ctl = &pv->desc.control;
	unsigned long flags;
	u64 old, new;

	flags = pi_env_irq_save(); /* M:arm_irqsave */
	pi_env_lock(&pc->lock);	   /* M:arm_lock */
	/* pv is loaded here, so its binding is ours and it is on no list (bug 4: no double add). */
	ASSERT(pv->cpu == cpu);
	ASSERT(list_empty(&pv->wakeup_link));
	list_add_tail(&pv->wakeup_link, &pc->wakeup_list);
	old = pi_env_load64(ctl);
	do {
		new = __pi_ctl_set_nv(old, PI_WAKEUP_VECTOR);
	} while (!pi_env_cmpxchg64(ctl, &old, new));
	/*
	 * ON already set: something was posted after the vCPU's last pending check but before NV
	 * became WAKEUP, so its notification arrived on the NOTIFY vector and did nothing in root
	 * mode.  The scheduler cannot wake the task it is switching out from here, so let our own
	 * wakeup handler do it once IRQs are back on (bug 7).
	 */
	if (pi_ctl_on(new))
		pi_env_self_ipi(PI_WAKEUP_VECTOR); /* M:self_ipi */
	pi_env_unlock(&pc->lock);
	pi_env_irq_restore(flags);
}

void pi_put(struct pi_vcpu *pv, bool blocking, bool preempted, bool guest_irqs_enabled)
{
	/* A `cli; hlt` vCPU must not be woken by a posted interrupt (bug 6): never arm it. */
	bool arm = blocking && guest_irqs_enabled; /* M:arm_if */

	if (arm) {
		/*
		 * The caller's "vCPU is blocking" store must be visible before posting_enabled is
		 * read, or this read and pi_enable_posting()'s wake could both see the old value
		 * (store buffering) and the vCPU would block unarmed after all (bug 5).
		 */
		pi_env_mb();				  /* M:put_mb */
		if (!pi_env_load32(&pv->posting_enabled)) /* M:put_flag */
			arm = false;
	}
	if (arm)
		pi_arm_wakeup(pv);
	/*
	 * Every put that leaves the vCPU runnable (preempted, maybe also blocking) or halted
	 * without the wakeup vector suppresses notifications: the pCPU now runs another vCPU, and
	 * a notification there would only interrupt it for nothing (bug 11).  The posts still land
	 * in PIR, and pi_load turns them into ON when it clears SN.
	 */
	if (preempted || !arm)
		pi_env_test_and_set_bit(&pv->desc.control, PI_CTL_SN_BIT); /* M:put_sn */
	/*
	 * Halting with IF=1 but not armed because posting is off (D').  A post that came after the
	 * last pending check, while SN was still 0, set ON and sent NOTIFY, which root mode
	 * ignores; its poster kicks us only if it read posting_enabled as 0, and a detach between
	 * its read and ours hides even that.  SN is set now, so no poster sets ON any more: ON
	 * says exactly whether such a post came.  Then arm after all, and pi_arm_wakeup's
	 * self-IPI wakes us.
	 */
	if (blocking && guest_irqs_enabled && !preempted && !arm &&
	    pi_ctl_on(pi_env_load64(&pv->desc.control))) /* M:unarmed_on */
		pi_arm_wakeup(pv);
}

void pi_wakeup_handler(unsigned int cpu)
{
	struct pi_cpu *pc = &pi_cpus[cpu];
	struct list_head *pos;

	ASSERT(cpu == pi_env_this_cpu());
	/* IRQ context: IRQs are off, which is the only way anyone takes this lock (bug 9). */
	pi_env_lock(&pc->lock);
	list_for_each(pos, &pc->wakeup_list)
	{
		struct pi_vcpu *pv = list_entry(pos, struct pi_vcpu, wakeup_link);

		/* The vCPU stays listed: its pi_load takes it off under this lock. */
		if (pi_ctl_on(pi_env_load64(&pv->desc.control)))
			pi_env_wake(pv);
	}
	pi_env_unlock(&pc->lock);
}

bool pi_post(struct pi_vcpu *pv, u8 vector)
{
	u64 *pir = &pv->desc.pir[pi_pir_word(vector)];
	u64 *ctl = &pv->desc.control;
	u64 old, new;
	bool notified = false;

	/*
	 * VT-d 9.11 order: PIR first, then ON.  Whoever processes ON (the CPU in guest mode, or
	 * pi_enter_guest) then finds the bit; a later poster that sees ON still set may skip the
	 * notification because ours is in flight (bug 16).
	 */
	pi_env_test_and_set_bit(pir, pi_pir_bit(vector)); /* M:post_pir */
	old = pi_env_load64(ctl);
	do {
		if (pi_ctl_on(old) || pi_ctl_sn(old))
			goto out;
		new = __pi_ctl_set_on(old, true);
	} while (!pi_env_cmpxchg64(ctl, &old, new));
	/* M:post_notify */
	pi_env_send_ipi(pi_ctl_ndst(new), pi_ctl_nv(new));
	notified = true;
out:
	/* No wakeup vector without posting: kick a vCPU that may have blocked without it. */
	if (!pi_env_load32(&pv->posting_enabled)) /* M:post_flag */
		pi_env_wake(pv);
	return notified;
}

bool pi_has_pending(struct pi_vcpu *pv)
{
	if (pi_ctl_on(pi_env_load64(&pv->desc.control)))
		return true;
	/* With SN=1 a post sets PIR but not ON (bug 2). */
	return pi_pir_pending(pv); /* M:pending_pir */
}

unsigned long pi_enter_guest(struct pi_vcpu *pv, u64 virr[4])
{
	unsigned long flags;
	unsigned int i;

	/*
	 * IRQs off BEFORE ON is read: a notification that comes after the read must stay pending
	 * in the LAPIC until VM entry, where the CPU processes it in guest mode (SDM 29.6).  With
	 * IRQs on it would be taken in root mode and the PIR left behind until the next exit
	 * (bug 19).
	 */
	flags = pi_env_irq_save(); /* M:enter_cli */
	/* Read before the locked clear: most entries find ON clear and write nothing. */
	if (pi_ctl_on(pi_env_load64(&pv->desc.control)) &&
	    pi_env_test_and_clear_bit(&pv->desc.control, PI_CTL_ON_BIT))
		for (i = 0; i < ARRAY_SIZE(pv->desc.pir); i++)
			virr[i] |= pi_env_xchg64(&pv->desc.pir[i], 0); /* M:pir_xchg */
	/* M:enter_synced */
	return flags;
}

void pi_enable_posting(struct pi_vcpu *pv)
{
	pi_env_store32(&pv->posting_enabled, 1);
	/* The store before the wake reads the vCPU's state; pairs with pi_put()'s barrier. */
	pi_env_mb(); /* M:enable_mb */
	/*
	 * A vCPU that blocked before this store waits with NV=NOTIFY and is on no list, so a
	 * device post would only be noticed at its next wakeup for another reason (bug 5).  Kick
	 * it: it re-checks for pending interrupts and, if it blocks again, arms the wakeup vector.
	 */
	pi_env_wake(pv); /* M:enable_kick */
}

void pi_disable_posting(struct pi_vcpu *pv)
{
	pi_env_store32(&pv->posting_enabled, 0);
}

void pi_cpu_offline(unsigned int dead, unsigned int target)
{
	struct pi_cpu *pd = &pi_cpus[dead], *pt = &pi_cpus[target];
	u32 ndst = pi_env_apic_id(target);
	struct list_head *pos, *tmp;
	unsigned long flags;

	ASSERT(dead != target && dead < MAX_CPUS && target < MAX_CPUS);
	flags = pi_env_irq_save();
	/* The only nesting of pi locks: lower cpu index first. */
	pi_env_lock(dead < target ? &pd->lock : &pt->lock);
	pi_env_lock(dead < target ? &pt->lock : &pd->lock);
	list_for_each_safe(pos, tmp, &pd->wakeup_list)
	{
		struct pi_vcpu *pv = list_entry(pos, struct pi_vcpu, wakeup_link);
		u64 *ctl = &pv->desc.control;
		u64 old, new;

		list_del_init(&pv->wakeup_link);
		old = pi_env_load64(ctl);
		do {
			new = __pi_ctl_set_ndst(old, ndst); /* M:offline_ndst */
		} while (!pi_env_cmpxchg64(ctl, &old, new));
		pi_env_store32(&pv->cpu, target);
		list_add_tail(&pv->wakeup_link, &pt->wakeup_list);
		/* ON set: its notification went to the dead pCPU and is lost (bug 14). */
		if (pi_ctl_on(new))
			pi_env_wake(pv); /* M:offline_wake */
	}
	pi_env_unlock(&pt->lock);
	pi_env_unlock(&pd->lock);
	pi_env_irq_restore(flags);
}
