/*
 * INTERFACE: VT-d interrupt remapping (docs/vtd.md).  Every device interrupt goes through an
 * IRTE that pihv wrote: the device only names an entry (a handle), and the entry says which
 * vector on which CPU, and which requester id may use it.
 *
 * Lifecycle of one interrupt source:
 *   vtd_irq_alloc*()     reserves an entry in the unit serving the device, not present yet
 *   vtd_irq_route()      remapped format: vector on a host CPU (or vtd_route_to_host())
 *   vtd_irq_post()       posted format: vector in a vCPU's PI descriptor (needs CAP.PI)
 *   vtd_irq_free()       not present + invalidated, then the entry is reused
 * Every IRTE change is followed by an interrupt-entry-cache invalidation and a wait
 * descriptor (VT-d spec 6.5.2.7/6.5.2.8) before the call returns: when it returns, no
 * interrupt can use the old contents any more.
 */
#ifndef ARCH_X86_VTD_H
#define ARCH_X86_VTD_H

#include "arch/x86/vtd_irte.h"
#include "lib/types.h"

/* Errors (negative returns) */
#define VTD_ERR_OFF    (-1) /* no remapping unit serves the source, or IR is off */
#define VTD_ERR_VECTOR (-2) /* vector outside VEC_DEVICE_FIRST..VEC_DEVICE_LAST */
#define VTD_ERR_FULL   (-3) /* no free IRTE */
#define VTD_ERR_NOPI   (-4) /* posted format asked for, unit has no CAP.PI */
#define VTD_ERR_DEST   (-5) /* CPU offline, or its APIC id does not fit the entry format */
#define VTD_ERR_SID    (-6) /* source-id unknown (no DMAR scope for the IOAPIC) */
#define VTD_ERR_BUSY   (-7) /* host vector already routed elsewhere */
#define VTD_ERR_HW     (-8) /* invalidation did not complete */

/* One interrupt source's entry.  Owned by the caller; fields are read-only outside vtd. */
struct vtd_irq {
	u8 unit;   /* index of the remapping unit */
	u16 index; /* IRTE index = the handle the device sends */
	u16 sid;   /* requester id checked by the entry (SVT=01, SQ=00) */
	u8 vector; /* current vector (host vector, or guest vector when posted) */
	u32 cpu;   /* host CPU index when routed */
	bool posted;
	bool allocated;
};

/* true after vtd init when remapping is on in every unit (the banner's vtd=ir). */
bool vtd_ir_enabled(void);
u32 vtd_unit_count(void);
/* Unit properties for tests and docs: EIME in use (32-bit destinations), CAP.PI, CFIS. */
bool vtd_unit_eime(u32 unit);
bool vtd_unit_has_pi(u32 unit);
bool vtd_unit_cfi_blocked(u32 unit);
u32 vtd_unit_irt_entries(u32 unit);

/*
 * Reserve an IRTE for the PCI function with requester id sid (bus << 8 | dev << 3 | fn).
 * @pre vtd_ir_enabled().  @post 0 and irq->allocated, entry not present; or VTD_ERR_*.
 */
int vtd_irq_alloc_pci(struct vtd_irq *irq, u16 sid);
/* Same for an IOAPIC, by its MADT id; the source-id comes from the DMAR IOAPIC scope. */
int vtd_irq_alloc_ioapic(struct vtd_irq *irq, u8 ioapic_id);

/*
 * Remapped format: deliver vector (fixed, physical) to host CPU cpu (index, not APIC id).
 * Refuses exception vectors and the host's own vectors (VT-d fault, timer, IPIs, PI notify /
 * wakeup): only VEC_DEVICE_FIRST..VEC_DEVICE_LAST.  Also retargets a routed entry (one
 * atomic 128-bit store) and brings a posted entry back under host control.
 * @pre irq->allocated.  @post 0: entry present, IEC invalidated; or VTD_ERR_* and unchanged.
 */
int vtd_irq_route(struct vtd_irq *irq, u8 vector, u32 cpu, bool level);

/*
 * Posted format (VT-d 9.11): the unit sets vector in the PIR of the descriptor at pda and
 * notifies per the descriptor (urgent: even when SN is set).  Only on units with CAP.PI.
 * @pre irq->allocated, pda 64-byte aligned, vector >= 32 (a guest vector).
 * @post 0, or VTD_ERR_NOPI / VTD_ERR_VECTOR / VTD_ERR_DEST (unit not in x2APIC mode: the
 *       descriptor's NDST is a plain x2APIC id, pi/pi_desc.h) and the entry unchanged.
 *
 * Teardown (CVE-2025-37885): before the descriptor at pda is freed or reused, the caller
 * must call vtd_irq_route() (entry back to a host vector) or vtd_irq_free(); both return
 * only after the invalidation wait completed, so the unit no longer writes the descriptor.
 */
int vtd_irq_post(struct vtd_irq *irq, u64 pda, u8 vector, bool urgent);

/*
 * Host affinity change (CPU offline, balancing): the entry's host CPU becomes cpu.  A remapped
 * entry is rewritten in place with only its destination changed (one atomic store, IEC
 * invalidated).  A posted entry is left exactly as it is (docs/pi.md, known bug 13): its
 * destination is the vCPU's descriptor, and cpu is only remembered for when vtd_irq_route() brings
 * the entry back under host control.  The decision is taken on the entry in the table, not on
 * irq->posted, under the unit lock.
 * @pre irq->allocated.  @post 0 (irq->cpu = cpu), or VTD_ERR_DEST / VTD_ERR_HW, unchanged.
 */
int vtd_irq_set_affinity(struct vtd_irq *irq, u32 cpu);

/* @post entry not present and invalidated, then the index is free; handler unhooked. */
void vtd_irq_free(struct vtd_irq *irq);

/* Remappable-format MSI address for this entry (SHV = 0, data ignored: write 0). */
u32 vtd_irq_msi_addr(const struct vtd_irq *irq);

/*
 * Software posting path, the hook for the PI work: route irq to vector on cpu and call
 * fn(ctx) there for every interrupt (before the EOI).  The PI glue passes a handler that
 * calls pi_post() for the assigned vCPU.  One route per host vector.
 * @post 0, or VTD_ERR_* (vector already hooked: VTD_ERR_BUSY).
 */
typedef void (*vtd_host_fn)(void *ctx);
int vtd_route_to_host(struct vtd_irq *irq, u8 vector, u32 cpu, vtd_host_fn fn, void *ctx);

/* Fault records as the fault handler decoded them (VT-d 7.1.3 / 11.4.14). */
struct vtd_fault {
	u8 unit;
	u8 reason; /* FR: 0x20-0x28 interrupt remapping, others DMA */
	u16 sid;
	u16 index; /* interrupt index for interrupt faults */
	u32 cpu;   /* where the fault event was handled */
};
/* Faults recorded so far: in total, and with one reason. */
u64 vtd_fault_total(void);
u64 vtd_fault_count(u8 reason);
/* The n-th fault recorded (0-based); false if not (yet) recorded or overwritten. */
bool vtd_fault_get(u64 n, struct vtd_fault *out);
const char *vtd_fault_reason_name(u8 reason);

#endif
