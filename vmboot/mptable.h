/*
 * INTERFACE: an Intel MultiProcessor Specification 1.4 table describing a VM's vCPUs, the way a
 * PC BIOS leaves one for the operating system (MP spec chapter 4).  Linux reads it when there
 * is no ACPI, to learn the CPUs and their local APIC IDs.  Pure C, host-tested.
 *
 * Layout written at guest-physical gpa: the 16-byte floating pointer structure (4.1), then the
 * configuration table (4.2): its header, one processor entry per vCPU (4.3.1; vCPU i has local
 * APIC ID i, vCPU 0 is the bootstrap processor), one ISA bus entry (4.3.2), and the two local
 * interrupt assignments of a PC (4.3.5: ExtINT on LINT0, NMI on LINT1).  There is no I/O APIC
 * entry: the VM has none.
 */
#ifndef VMBOOT_MPTABLE_H
#define VMBOOT_MPTABLE_H

#include "lib/types.h"

#define MPT_FLOAT_LEN 16
#define MPT_HDR_LEN   44
#define MPT_CPU_LEN   20
#define MPT_BUS_LEN   8
#define MPT_LINT_LEN  8
#define MPT_MAX_CPUS  64

/* Bytes mptable_build writes for nr_cpus vCPUs. */
static inline u32 mptable_size(u32 nr_cpus)
{
	return MPT_FLOAT_LEN + MPT_HDR_LEN + nr_cpus * MPT_CPU_LEN + MPT_BUS_LEN + 2 * MPT_LINT_LEN;
}

/*
 * Writes the table for nr_cpus vCPUs into buf (which sits at guest-physical gpa, below 1 MiB:
 * the OS searches there) with the given CPUID signature and feature flags in each processor
 * entry.  @pre 1 <= nr_cpus <= MPT_MAX_CPUS, buf holds mptable_size(nr_cpus) bytes.
 * @return the bytes written.
 */
u32 mptable_build(u8 *buf, u32 gpa, u32 nr_cpus, u32 cpu_signature, u32 cpu_features);

#endif
