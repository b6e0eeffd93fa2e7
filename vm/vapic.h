/*
 * INTERFACE: APICv for the guests (SDM Vol. 3C ch. 30): the virtual-APIC page, the MSR bitmap
 * that lets x2APIC reads, EOI, TPR and self-IPI go virtual while ICR, LVT timer and TSC-deadline
 * writes exit, and the hand-over of posted vectors to the guest at VM entry: RVI/vIRR with
 * virtual-interrupt delivery, event injection without it (the fallback).
 */
#ifndef VMX_VAPIC_H
#define VMX_VAPIC_H

#include "arch/x86/apic_regs.h"
#include "lib/types.h"

struct vcpu;

/* @pre v's VMCS current, v->vapic allocated.  Writes the APICv fields of v's VMCS. */
void vapic_vmcs_setup(struct vcpu *v);
/*
 * Last step before entry, IRQs off: hand the vectors pi_enter_guest() took from PIR to the
 * guest (vIRR + RVI with VID; backlog + event injection / interrupt-window exiting without).
 */
void vapic_deliver(struct vcpu *v, const u64 virr[4]);
/* A vector is waiting for the guest outside the PIR: RVI above SVI, or the fallback backlog. */
bool vapic_has_pending(struct vcpu *v);
/* x2APIC MSR accesses that exit.  @return true if msr was an APIC MSR and was handled. */
bool vapic_rdmsr(struct vcpu *v, u32 msr, u64 *val);
bool vapic_wrmsr(struct vcpu *v, u32 msr, u64 val);
/* Opens the x2APIC MSRs the CPU virtualizes in the shared MSR bitmap (vm/msr_bitmap.c, init). */
void vapic_msr_bitmap_init(void);

#endif
