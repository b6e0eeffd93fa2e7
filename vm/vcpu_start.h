/*
 * INTERFACE: how a vCPU starts, stops and restarts running guest code besides VM creation and
 * HC_EXIT: INIT, start-up IPIs and the wait-for-SIPI state (SDM Vol. 3A 9.4.4, 11.6.1), and
 * NMIs (vnmi.c).  docs/vapic.md has the guest's view.
 *
 * Wait-for-SIPI is emulated, not the VMX activity state: the vCPU is blocked in the scheduler
 * (no pCPU time, no posted-interrupt wakeup: pi_put with IF=0 leaves state D) until a SIPI or
 * the end of its VM wakes it.  A SIPI starts it in real mode at vector << 12 (unrestricted
 * guest, SDM Vol. 3C 26.x: CS.selector = vector << 8, CS.base = vector << 12, IP = 0).
 *
 * A VM's run ends when no vCPU is running guest code any more: vm->running counts the vCPUs
 * that are neither waiting for a SIPI nor finished (a SIPI counts its target in when it is
 * accepted, so a VM never ends between a SIPI and the start it causes).  When the count reaches
 * 0 the waiting vCPUs are woken to finish as VCPU_PARKED: a VM whose vCPU 0 exits without
 * starting its APs ends, and those APs are not "stuck".
 */
#ifndef VM_VCPU_START_H
#define VM_VCPU_START_H

#include "lib/types.h"

struct vcpu;
struct vm;

enum start_action {
	START_RUN,   /* enter the guest */
	START_BLOCK, /* waiting for a SIPI: sched_block() done, give up the pCPU */
	START_PARK,  /* waiting for a SIPI and its VM has ended: finish as VCPU_PARKED */
};

/* Before vm_run: every vCPU active, or vCPUs 1.. waiting for a SIPI (vm->aps_wait_sipi). */
void vcpu_start_prepare(struct vm *vm);
/* INIT from `from` to t (any pCPU; t may be from). */
void vcpu_start_init(struct vcpu *from, struct vcpu *t);
/* SIPI with vector from `from` to t: ignored unless t waits for one. */
void vcpu_start_sipi(struct vcpu *from, struct vcpu *t, u8 vector);
/*
 * Run loop, before an entry, when v->lapic.events is not 0 (v's pCPU, IRQs off, VMCS current):
 * apply a pending INIT, start after a SIPI, or block waiting for one; inject a pending NMI.
 */
enum start_action vcpu_lapic_events(struct vcpu *v);
/* v is DONE or DEAD: out of its VM's running count. */
void vcpu_start_finished(struct vcpu *v);

/* NMI from `from` to t: injected at t's next entry that NMI blocking allows (vnmi.c). */
void vnmi_send(struct vcpu *from, struct vcpu *t);
/* Entry path, IRQs off, VMCS current: inject a pending NMI or ask for an NMI-window exit. */
void vnmi_inject(struct vcpu *v);

#endif
