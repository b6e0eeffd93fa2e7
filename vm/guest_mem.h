/*
 * INTERFACE: reading guest memory by guest-linear address, through the guest's own paging (SDM
 * Vol. 3A ch. 4) and then its VM's memory: what an exit handler needs to fetch the instruction
 * that caused an exit without an instruction length (APIC-access exits, vapic_xapic.c).
 */
#ifndef VM_GUEST_MEM_H
#define VM_GUEST_MEM_H

#include "lib/types.h"

struct vcpu;

/*
 * Copies up to len bytes from guest-linear address lin, under the paging mode of v's current
 * guest state (none, 32-bit, PAE or 4-level: 4.1.1).  Stops at the first byte that is not
 * present or not in guest memory.  @pre v's VMCS current.  @return bytes copied.
 */
u32 guest_read_linear(struct vcpu *v, u64 lin, void *buf, u32 len);
/* The code size of v's current guest state: 16, 32 or 64 (CS.D, CS.L with IA32_EFER.LMA). */
u32 guest_code_bits(struct vcpu *v);

#endif
