/*
 * INTERFACE: the IOAPICs listed in the MADT (82093AA datasheet; VT-d spec 5.1.5.1 for the
 * remappable redirection-entry format).  All pins are masked at boot; a pin is unmasked
 * only when it is programmed in remappable format, so it can only reach the vector and CPU
 * that its IRTE names.
 */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include "lib/types.h"

struct vtd_irq;

/* Number of IOAPICs found and initialised (all pins masked). */
u32 ioapic_count(void);
/* GSI that ISA IRQ irq arrives on (MADT interrupt source overrides), with its polarity and
 * trigger (bus default for ISA: active high, edge). */
u32 ioapic_isa_gsi(u8 irq, bool *level, bool *active_low);
/* MADT id of the IOAPIC that owns gsi; false if none. */
bool ioapic_owner(u32 gsi, u8 *ioapic_id);

/*
 * Program gsi in remappable format for irq (an IRTE from vtd_irq_alloc_ioapic, already
 * routed) and unmask it.  vector must equal the IRTE's (EOI matching of level interrupts).
 * @return 0, or -1 if no IOAPIC has gsi.
 */
int ioapic_route_remapped(u32 gsi, const struct vtd_irq *irq, bool level, bool active_low);
/* Mask gsi (the RTE keeps its handle). */
void ioapic_mask(u32 gsi);
/* Raw RTE, for tests. */
u64 ioapic_read_rte(u32 gsi);

#endif
