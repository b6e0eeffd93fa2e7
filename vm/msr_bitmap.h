/*
 * INTERFACE: the MSR bitmaps every vCPU's VMCS points at (SDM Vol. 3C 25.6.9): a set bit makes
 * RDMSR/WRMSR of that MSR exit; a clear bit lets the guest reach the MSR itself.  There are two,
 * the same but for the x2APIC registers: a vCPU whose LAPIC is in x2APIC mode uses the one that
 * lets the CPU virtualize them (SDM Vol. 3C 30.5); every other vCPU uses the one where they exit
 * too, since with "virtualize x2APIC mode" off a guest RDMSR/WRMSR of 0x800-0x8ff would reach
 * the host's own APIC (vm/vapic.c switches between them with the guest's LAPIC mode).
 *
 * Shared by every pCPU, so they are built whole, once, by an INITCALL on the BSP before any VM
 * can exist (INIT_VM), and only read afterwards: no pCPU ever sees one half-filled.  If they
 * cannot be allocated, VMX is refused (banner vmx=off, with a line saying why).
 */
#ifndef VM_MSR_BITMAP_H
#define VM_MSR_BITMAP_H

#include "lib/types.h"

/* Physical address of the bitmap for an x2APIC-mode LAPIC, or for any other.  @pre platform.vmx */
u64 msr_bitmap_pa(bool x2apic);
/*
 * Lets guest RDMSR (read) and/or WRMSR (write) of msr go to the MSR without an exit, in both
 * bitmaps, or (x2apic_only) only in the x2APIC-mode one.  Only the init hooks called by
 * msr_bitmap.c use it.  @pre msr in 0-0x1fff or 0xc0000000-0xc0001fff.
 */
void msr_bitmap_allow(u32 msr, bool read, bool write, bool x2apic_only);

#endif
