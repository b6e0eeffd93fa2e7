/*
 * INTERFACE: the local APIC, in x2APIC mode when CPUID offers it and xAPIC (MMIO) otherwise,
 * behind one set of calls.  Destinations are APIC IDs (x2APIC: 32-bit; xAPIC: 8-bit).
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "arch/x86/apic_regs.h"
#include "lib/types.h"

enum apic_mode { APIC_MODE_XAPIC, APIC_MODE_X2APIC };

/* BSP, once: decides the mode for every CPU (x2APIC iff CPUID.1:ECX[21] and not forced off). */
void apic_choose_mode(bool allow_x2apic);
/* Every CPU: enables its APIC in the chosen mode, spurious/error vectors, LVTs masked. */
void apic_init_cpu(void);
enum apic_mode apic_mode(void);
const char *apic_mode_name(void);
u32 apic_id(void);
void apic_eoi(void);
/* Fixed, physical destination. Prior stores are visible to the target's handler. */
void apic_send_ipi(u32 dest, u8 vector);
void apic_send_ipi_all_but_self(u8 vector);
void apic_self_ipi(u8 vector);
/* NMI IPI (delivery mode 100b, SDM Vol. 3A 11.6.1); the target runs arch/x86/nmi.c. */
void apic_send_nmi(u32 dest);
void apic_send_init(u32 dest);
void apic_send_sipi(u32 dest, u8 page);
/* Raw register access for timers and tests; reg is the xAPIC MMIO offset. */
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 v);
u64 apic_error_count(void);
u64 apic_spurious_count(void);

#endif
