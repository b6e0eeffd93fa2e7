/*
 * pi: the posted-interrupt put/load protocol (docs/pi.md; the state table is also in pi.c).  Pure
 * C: everything shared goes through pi/pi_env.h, so this module compiles unchanged into the
 * hypervisor and into the host simulator (tests/pi_sim/).
 *
 * Callers: vm/ (vcpu switch_in/switch_out hooks -> pi_load/pi_put, VM entry -> pi_enter_guest,
 * HLT emulation -> pi_has_pending, vIPIs -> pi_post, device assignment -> pi_{enable,disable}_
 * posting), the PI_WAKEUP_VECTOR trap handler -> pi_wakeup_handler, CPU offline ->
 * pi_cpu_offline.
 *
 * "bug N" below is known bug N of docs/pi.md.
 */
#ifndef PI_PI_H
#define PI_PI_H

#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/list.h"
#include "lib/types.h"
#include "pi/pi_desc.h"
#include "pi/pi_env.h"

/*
 * The pi/ part of a vCPU; embedded in vm/'s struct vcpu.
 *
 * ALIGNMENT: desc comes first, and the kernel must allocate the enclosing object so that desc is
 * 4 KiB-aligned.  The SDM only asks for 64 bytes, but Bochs fails VM entry ("Posted Interrupt
 * Descriptor phy addr malformed") otherwise (docs/emulators.md §9.1).  The type itself only carries
 * the 64-byte alignment the hardware needs.
 */
struct pi_vcpu {
	struct pi_desc desc;
	/*
	 * On pi_cpus[cpu].wakeup_list iff desc NV == PI_WAKEUP_VECTOR (checked whenever that list's
	 * lock is free); self-linked otherwise.  Protected by pi_cpus[cpu].lock.
	 */
	struct list_head wakeup_link;
	/*
	 * The pCPU the descriptor is bound to: NDST names it and only its list may hold us.
	 * Written only with pi_cpus[cpu].lock (the OLD cpu's lock) held; read with pi_env_load32.
	 */
	u32 cpu;
	/*
	 * Non-zero while a device may post to desc (an IRTE points at it).  Only decides whether a
	 * blocking put arms the wakeup vector; pi_load and the wakeup handler never look at it.
	 */
	u32 posting_enabled;
};

static_assert(offsetof(struct pi_vcpu, desc) == 0, "descriptor first: page-aligned allocation");

/* Per-pCPU state of pi/.  Read-only outside pi.c (debug dumps, simulator invariant checks). */
struct pi_cpu {
	/*
	 * Protects wakeup_list, and with it the (list membership, NV) pair and pi_vcpu.cpu of every
	 * vCPU bound to this pCPU.  IRQ-safe: taken only with IRQs disabled (also from the wakeup
	 * handler).  Nesting: only pi_cpu_offline() holds two, lower cpu index first.
	 */
	pi_lock_t lock;
	/* vCPUs blocked on this pCPU with NV = PI_WAKEUP_VECTOR and NDST = this pCPU. */
	struct list_head wakeup_list;
};

extern struct pi_cpu pi_cpus[MAX_CPUS];

/* @pre cpu < MAX_CPUS, before cpu can take PI_WAKEUP_VECTOR.  @post its wakeup list is empty. */
void pi_cpu_init(unsigned int cpu);

/*
 * @pre pv not yet visible to any other agent (no IRTE, not scheduled); cpu < MAX_CPUS.
 * @post PIR empty, ON=0, SN=1, NV=NOTIFY, NDST=apic(cpu), on no list, posting disabled:
 *       the "preempted" state, as for a vCPU that was never loaded.
 */
void pi_vcpu_init(struct pi_vcpu *pv, unsigned int cpu);

/*
 * vCPU switched in on pCPU cpu (transition -> "running").
 * @pre cpu == pi_env_this_cpu(); pv not loaded anywhere.
 * @post off every wakeup list, NV=NOTIFY, SN=0, NDST=apic(cpu), pv->cpu == cpu; ON is set if
 *       PIR was non-empty when SN was cleared (docs/pi.md, known bugs 1, 3, 10, 15).
 */
void pi_load(struct pi_vcpu *pv, unsigned int cpu);

/*
 * vCPU switched out of this pCPU (transition "running" -> blocked / preempted).
 * blocking: it is halting (HLT emulation), preempted: the scheduler took the pCPU away while it
 * was runnable; both may be true (preempted between marking itself blocking and switching out).
 * guest_irqs_enabled: the guest's RFLAGS.IF at the HLT.
 * @pre pv loaded on this pCPU (pv->cpu == this cpu, SN=0, NV=NOTIFY, on no list); if blocking,
 *      the scheduler already marked the vCPU blocking, so that a pi_env_wake() from now on
 *      cancels the block.
 * @post if blocking && guest_irqs_enabled && posting enabled: on this pCPU's list with
 *       NV=WAKEUP, and a PI_WAKEUP_VECTOR self-IPI is pending if ON was already set (bug 7).
 *       if preempted or not armed as above: SN=1 (bugs 6, 11).
 *       if blocking && guest_irqs_enabled && !preempted with posting disabled, and ON was set
 *       by a post that raced a detach (ON is set once SN is): armed as above as well, with
 *       SN=1 and the self-IPI pending.
 */
void pi_put(struct pi_vcpu *pv, bool blocking, bool preempted, bool guest_irqs_enabled);

/*
 * PI_WAKEUP_VECTOR handler.  @pre IRQ context on pCPU cpu (== pi_env_this_cpu()), IRQs disabled.
 * @post every vCPU on cpu's list whose ON was set has been passed to pi_env_wake().
 */
void pi_wakeup_handler(unsigned int cpu);

/*
 * Post vector to pv the way the IOMMU does (VT-d 9.11): set the PIR bit, then, unless ON or SN
 * is set, set ON and send NV to NDST.  Used for vCPU-to-vCPU IPIs and software posting.
 * If posting is disabled for pv the target is also kicked with pi_env_wake(), because a vCPU
 * that blocked without the wakeup vector cannot be woken by the notification.
 * @return true if a notification IPI was sent.
 */
bool pi_post(struct pi_vcpu *pv, u8 vector);

/*
 * Does pv have a posted interrupt that the guest has not received yet?  Looks at PIR, not only
 * ON: a post while SN=1 sets PIR alone (bug 2).  Used by HLT emulation (halt-poll, last check
 * before blocking) and by the scheduler for runnable vCPUs.
 * For the last check before blocking, the caller marks the vCPU blocking BEFORE calling this,
 * so that a pi_env_wake() from then on cancels the block.  pi/ needs no barrier between that
 * store and this check: a post the check misses either finds SN=0 and sets ON, which pi_put()
 * reads after its own locked update (the armed put's self-IPI, bug 7, or the D' check), or
 * finds SN=1 set by that update, which made "blocking" visible first, so that the poster's
 * pi_env_wake() cancels the block.  The kernel fences there anyway (sched_block, like
 * set_current_state) for vm/'s own pending state; the simulator marks blocking with a buffered
 * store and no barrier, to check that pi/ does not rely on it (docs/pi.md "Memory ordering").
 */
bool pi_has_pending(struct pi_vcpu *pv);

/*
 * Last step before VM entry: disable host IRQs, then, if ON is set, clear it and move PIR into
 * virr.  The caller enters the guest WITHOUT enabling IRQs and passes the returned token to
 * pi_env_irq_restore() after the VM exit: a notification that arrives after the PIR was read
 * then stays pending in the LAPIC and is processed in guest mode (bug 19).
 * @pre pv loaded on this pCPU.
 */
unsigned long pi_enter_guest(struct pi_vcpu *pv, u64 virr[4]);

/*
 * A device may now post to pv (an IRTE was pointed at it).  @post the flag is set and the vCPU is
 * kicked, so that if it blocked without the wakeup vector it re-blocks with it armed (bug 5).
 */
void pi_enable_posting(struct pi_vcpu *pv);

/*
 * No device posts to pv any more.  Leaves SN, NV and the list alone: the next pi_load clears SN
 * and takes the vCPU off its list whatever the flag says (bugs 4, 15).
 */
void pi_disable_posting(struct pi_vcpu *pv);

/*
 * pCPU dead went offline (takes no more interrupts); move its blocked vCPUs to target's list,
 * point their NDST at target, and wake those with ON set: their notification went to the dead
 * pCPU (bug 14).  vCPUs bound to dead but not listed (states B, D) keep NDST=dead: they have SN=1
 * and their next pi_load rebinds them.
 * @pre dead != target, target online, no vCPU loaded on dead, dead runs no pi/ code again.
 */
void pi_cpu_offline(unsigned int dead, unsigned int target);

#endif
