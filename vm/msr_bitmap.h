/*
 * INTERFACE: the one MSR bitmap every vCPU's VMCS points at (SDM Vol. 3C 25.6.9): a set bit
 * makes RDMSR/WRMSR of that MSR exit; a clear bit lets the guest reach the MSR itself.
 *
 * Shared by every pCPU, so it is built whole, once, by an INITCALL on the BSP before any VM can
 * exist (INIT_VM), and only read afterwards: no pCPU ever sees it half-filled.  If it cannot be
 * allocated, VMX is refused (banner vmx=off, with a line saying why).
 */
#ifndef VM_MSR_BITMAP_H
#define VM_MSR_BITMAP_H

#include "lib/types.h"

/* Physical address of the bitmap.  @pre platform.vmx (then it is complete). */
u64 msr_bitmap_pa(void);
/*
 * Lets guest RDMSR (read) and/or WRMSR (write) of msr go to the MSR without an exit.  Only the
 * init hooks called by msr_bitmap.c use it.  @pre msr in 0-0x1fff or 0xc0000000-0xc0001fff.
 */
void msr_bitmap_allow(u32 msr, bool read, bool write);

#endif
