/* Leaf header: compile-time constants of the whole hypervisor. */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#define MAX_CPUS       16
#define MAX_VCPUS      32
#define PAGE_SIZE      4096ul
#define KSTACK_SIZE    (16 * 1024ul)
#define IST_STACK_SIZE (8 * 1024ul)

/*
 * Interrupt vectors owned by the host.  Higher vector = higher priority class (SDM Vol. 3A
 * 11.8.3.1), so the posted-interrupt vectors sit above device vectors.
 * 0x00-0x1f exceptions, 0x20-0x2f the (masked) 8259s after remapping.
 */
#define VEC_DEVICE_FIRST 0x30 /* device interrupts (IOAPIC, MSI through VT-d) */
#define VEC_DEVICE_LAST	 0xdf
#define VEC_VTD_FAULT	 0xe0 /* VT-d fault event */
#define VEC_VTD_INV	 0xe1 /* VT-d invalidation-wait completion */
#define VEC_TIMER	 0xec /* per-CPU one-shot timer */
#define VEC_IPI_CALL	 0xed /* smp_call() */
#define VEC_IPI_RESCHED	 0xee /* scheduler kick */
#define VEC_IPI_TEST	 0xef /* self-tests */
#define PI_WAKEUP_VECTOR 0xf1 /* blocked vCPU's descriptor NV: wake it */
#define PI_NOTIFY_VECTOR 0xf2 /* running vCPU's descriptor NV: posted-interrupt processing */
#define VEC_APIC_ERROR	 0xfe
#define VEC_SPURIOUS	 0xff

#endif
