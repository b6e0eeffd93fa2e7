/*
 * The guest side of the LAPIC (guests/apic.c), for test guests that use both modes: the mode
 * switches through IA32_APIC_BASE, register access by xAPIC offset in either mode, the ICR, and
 * MSR accesses that may #GP.  The contract they test is docs/vapic.md.
 */
#ifndef GUESTS_APIC_H
#define GUESTS_APIC_H

#include "arch/x86/apic_regs.h"
#include "arch/x86/msr.h"
#include "lib/types.h"

enum ga_mode { GA_DISABLED, GA_XAPIC, GA_X2APIC };

/* This vCPU's LAPIC mode as last set through ga_set_base (index from the stack). */
enum ga_mode ga_mode(void);
/* Once per VM, before xAPIC accesses: maps 0xfee00000 (2 MiB, uncached) in the loader's page
 * tables, which map only 0-1 GiB. */
void ga_map_xapic(void);
/* WRMSR IA32_APIC_BASE.  @return false if it #GPed (then the mode is unchanged). */
bool ga_set_base(u64 val);
/* The transitions by name; each returns what ga_set_base returned. */
bool ga_to_disabled(void);
bool ga_to_xapic(void);
bool ga_to_x2apic(void);
/* Register access by xAPIC offset in the current mode (x2APIC: RDMSR/WRMSR). */
u32 ga_read(u32 off);
void ga_write(u32 off, u32 val);
/* SVR = 0x1ff: software-enabled, spurious vector 0xff. */
void ga_sw_enable(void);
/* ICR write: x2APIC one WRMSR (dest in 63:32); xAPIC ICR2 (dest << 24) then ICR. */
void ga_icr(u32 dest, u32 lo);
/* EOI in vCPU me's mode (from the interrupt handler). */
void ga_eoi(u32 me);
/* ESR write-then-read (11.5.3): the errors since the last such pair. */
u32 ga_esr(void);
/* MSR accesses that may #GP: @return true if they did (the value is then untouched). */
bool ga_wrmsr_gp(u32 msr, u64 val);
bool ga_rdmsr_gp(u32 msr, u64 *val);

#endif
