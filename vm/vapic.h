/*
 * INTERFACE: the guest's local APIC (docs/vapic.md has the contract a guest sees).
 *
 * One register model (the xAPIC layout of SDM Vol. 3A table 11-1, kept in the virtual-APIC page
 * of SDM Vol. 3C 30.1) serves three modes, chosen by the guest through IA32_APIC_BASE
 * (11.12.5, vapic_x2apic.c):
 *   disabled  no APIC: MSRs #GP, no interrupts accepted;
 *   xAPIC     memory-mapped at 0xfee00000 through the VM's APIC-access page (30.4: reads and most
 *             writes virtual, APIC-write and APIC-access exits for the rest, vapic_xapic.c);
 *   x2APIC    MSRs 0x800-0x8ff (30.5: reads, TPR, EOI and self-IPI virtual; the rest exit).
 * Either way interrupts reach the guest through the same pi/ descriptor and virtual-interrupt
 * delivery (vapic.c), and the same ICR code sends IPIs (vapic_icr.c).
 *
 * Files: vapic.c (APICv controls per mode, delivery at entry), vapic_regs.c (registers),
 * vapic_x2apic.c (MSRs, IA32_APIC_BASE), vapic_xapic.c (MMIO exits), vapic_icr.c (IPIs),
 * vtimer.c (LAPIC timer), vnmi.c (NMIs), vcpu_start.c (INIT, SIPI, wait-for-SIPI).
 */
#ifndef VMX_VAPIC_H
#define VMX_VAPIC_H

#include "arch/x86/apic_regs.h"
#include "arch/x86/msr.h"
#include "lib/types.h"

struct vcpu;
struct vm;

/* LAPIC version register: version 0x14, max LVT entry 5 (no CMCI), no EOI-broadcast suppression. */
#define APIC_LVR_VALUE 0x00050014u

enum vlapic_mode { VLAPIC_DISABLED, VLAPIC_XAPIC, VLAPIC_X2APIC };

/* Events for a vCPU's own pCPU (struct vlapic.events), set by any sender. */
#define VLAPIC_EV_NMI	(1u << 0) /* an NMI to inject (vnmi.c) */
#define VLAPIC_EV_INIT	(1u << 1) /* an INIT to apply: reset the LAPIC (vcpu_start.c) */
#define VLAPIC_EV_START (1u << 2) /* startup is not (or no longer) ACTIVE: look at it */

/* struct vlapic.startup (SDM Vol. 3A 9.4.4, 11.6.1 INIT and start-up). */
#define VLAPIC_ACTIVE	 0u /* running guest code (or halted) */
#define VLAPIC_WAIT_SIPI 1u /* after INIT: blocked until a SIPI; not counted as running */
#define VLAPIC_SIPI	 2u /* a SIPI was accepted; vector in bits 15:8, started at next entry */
#define VLAPIC_FINISHED	 3u /* the vCPU is DONE, DEAD or PARKED: INIT and SIPI are ignored */

/* The LAPIC state that the virtual-APIC page does not hold. */
struct vlapic {
	u64 base;	 /* IA32_APIC_BASE as the guest reads it */
	u32 mode;	 /* enum vlapic_mode, follows base */
	u32 esr_pending; /* errors since the last ESR write (11.5.3) */
	u32 events;	 /* (atomic) VLAPIC_EV_* */
	u32 startup;	 /* (atomic) VLAPIC_ACTIVE ... */
	/* LAPIC timer in one-shot/periodic mode (vtimer.c); TSC-deadline uses v->tsc_deadline */
	u32 tmr_div;   /* TSC ticks per count (TDCR, 11.5.4) */
	u64 tmr_start; /* TSC when the count was (re)loaded */
	u64 tmr_total; /* TMICT * tmr_div; 0 = not counting */
};

/* ---- vapic.c: APICv ---- */
/* Per VM: the APIC-access page, mapped at APIC_BASE_DEFAULT in the VM's EPT.  @return 0 or -1. */
int vapic_vm_init(struct vm *vm);
/* @pre v's VMCS current, v->vapic allocated.  The LAPIC at its start state, APICv fields. */
void vapic_vmcs_setup(struct vcpu *v);
/* The VMCS controls and MSR bitmap for v's current mode.  @pre v's VMCS current. */
void vapic_mode_controls(struct vcpu *v);
/*
 * Last step before entry, IRQs off: hand the vectors pi_enter_guest() took from PIR to the
 * guest (vIRR + RVI with VID; backlog + event injection / interrupt-window exiting without).
 */
void vapic_deliver(struct vcpu *v, const u64 virr[4]);
/*
 * Post vector to v from v's own exit handler (VMCS current): into the vIRR and RVI (VID) or the
 * fallback backlog, for the coming entry, without the descriptor.
 */
void vapic_deliver_now(struct vcpu *v, u8 vector);
/* A vector is deliverable outside the PIR: RVI above PPR, or the fallback backlog. */
bool vapic_has_pending(struct vcpu *v);
/* Forget every pending and in-service vector (INIT, APIC disable).  @pre v's VMCS current. */
void vapic_clear_vectors(struct vcpu *v);

/* ---- vapic_regs.c: the register model (xAPIC offsets) ---- */
/* Registers to their power-up/INIT values for the current mode; the ID is kept (11.4.7.1). */
void vlapic_reset(struct vcpu *v);
/* The register at offset off (16-byte aligned) as the guest reads it. */
u32 vlapic_read(struct vcpu *v, u32 off);
/*
 * A guest write of val to the register at off, with the register's own semantics (reserved bits
 * dropped, read-only registers kept, side effects).  The mode's checks (#GP in x2APIC mode) are
 * the caller's.  @pre v's VMCS current.
 */
void vlapic_write(struct vcpu *v, u32 off, u32 val);
/*
 * Record errors in ESR (visible after the next ESR write) and signal the LVT error entry.
 * own: called from v's own exit handling (vcpu_post_own), else from anywhere (vcpu_post).
 */
void vlapic_error(struct vcpu *v, u32 esr_bits, bool own);
/* The x2APIC logical ID of x2APIC ID id (11.12.10.2). */
u32 vlapic_x2apic_ldr(u32 id);

/* ---- vapic_x2apic.c: MSRs and IA32_APIC_BASE ---- */
/* RDMSR/WRMSR of IA32_APIC_BASE, TSC_DEADLINE and 0x800-0x8ff.  false: #GP. */
bool vapic_rdmsr(struct vcpu *v, u32 msr, u64 *val);
bool vapic_wrmsr(struct vcpu *v, u32 msr, u64 val);
/* Does this MSR belong to the LAPIC (then vapic_*msr decide, #GP included)? */
static inline bool vapic_owns_msr(u32 msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= X2APIC_MSR_BASE && msr <= X2APIC_MSR_LAST);
}
/* Opens, in x2APIC mode's MSR bitmap, the registers the CPU virtualizes (vm/msr_bitmap.c init). */
void vapic_msr_bitmap_init(void);

/* ---- vapic_icr.c ---- */
/* An ICR write: icr = low 32 bits, dest = the destination (x2APIC: 32 bits, xAPIC: 8). */
void vlapic_send_ipi(struct vcpu *v, u32 icr, u32 dest);
/* WRMSR of the x2APIC ICR (exit_wrmsr's first test): false if it must #GP (reserved bits). */
bool vapic_icr_write_x2apic(struct vcpu *v, u64 val);

#endif
