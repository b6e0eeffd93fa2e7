/*
 * The guest ABI (docs/vmx.md has the prose): what a pihv guest finds at entry and how it talks
 * to the hypervisor.  Included by vm/ and by the guest sources in guests/ (C and assembly).
 *
 * Entry state: 64-bit long mode, CPL 0, paging on with CR3 = GUEST_PML4 (identity map of
 * guest-physical 0-1 GiB with 2 MiB pages, built by the loader inside guest memory), GDT at
 * GUEST_GDT (null, code 0x08, data 0x10), no IDT (limit 0: the guest installs its own),
 * RFLAGS = 0x2 (IF off), RIP = GUEST_LOAD (first byte of the image), RSP = top of memory
 * minus index * GUEST_STACK_SIZE (each vCPU its own stack),
 * RDI = vCPU index in the VM, RSI = number of vCPUs.  Only [0, mem) is backed; any other
 * guest-physical access is an EPT violation and stops the VM (0xfee00000 excepted: the LAPIC).
 * The local APIC is in x2APIC mode and software-enabled (SVR 0x1ff), its APIC ID the vCPU index;
 * the guest may switch it to xAPIC mode through disabled (docs/vapic.md).
 *
 * Hypercalls: VMCALL with the number in RAX and arguments in RDI, RSI, RDX; the result comes
 * back in RAX (>= 0 success, < 0 one of HC_E*); every other register is preserved.  Buffers
 * are guest-physical (= guest-virtual under the loader's identity map) and must lie inside
 * guest memory: a buffer outside it is a protection violation and stops the VM (it is not an
 * error code, because a correct guest never does it).
 */
#ifndef VMX_GUEST_ABI_H
#define VMX_GUEST_ABI_H

#define GUEST_GDT	 0x0000
#define GUEST_PML4	 0x1000
#define GUEST_PDPT	 0x2000
#define GUEST_PD	 0x3000
#define GUEST_LOAD	 0x10000
#define GUEST_STACK_SIZE 0x4000
#define GUEST_SEL_CODE	 0x08
#define GUEST_SEL_DATA	 0x10

/* Number                       args                          result */
#define HC_CONSOLE_WRITE 1 /*   rdi=buf, rsi=len <= HC_BUF_MAX   len written */
#define HC_VCPU_ID	 2 /*   -                                this vCPU's index in the VM */
#define HC_YIELD	 3 /*   -                                0; other vCPUs on this pCPU run */
#define HC_REPORT	 4 /*   rdi=HC_REPORT_*, rsi=msg, rdx=len  0; one PASS/FAIL/SKIP line */
#define HC_EXIT		 5 /*   rdi=exit code                    does not return: vCPU done */
#define HC_STAT		 6 /*   rdi=slot (< 16), rsi=value       0; the host test reads it */
/*
 * HC_STAT slot 15 is the guest's receive-counter address: the guest-physical address of
 * u32[256] counting, per vector, the interrupts its handler took.  The software posting
 * device (tests/emu/vdev.c) reads it to post a vector again only after its previous interrupt was
 * taken, as a device with a shared-memory completion count would; without it, two posts of a
 * vector that is still pending merge into one interrupt (coalescing, as on hardware).
 */
#define HC_STAT_IRQ_COUNTS 15
#define HC_TEST		   7 /*   rdi=op, rsi, rdx                 the host test's hook decides */
#define HC_POST		   8 /*   rdi=vector, rsi=vCPU index       0; posted like a device would */

#define HC_REPORT_PASS 0
#define HC_REPORT_FAIL 1
#define HC_REPORT_SKIP 2

/* The longest buffer HC_CONSOLE_WRITE and HC_REPORT take. */
#define HC_BUF_MAX 4096

#define HC_ENOSYS (-38) /* unknown hypercall number */
#define HC_EINVAL (-22) /* bad argument value (not a bad buffer: that stops the VM) */

/* Paravirtual console: OUT to this port prints the byte (lines prefixed "[vm/vcpu] "). */
#define PV_CONSOLE_PORT 0xe9
/* IN from it returns PV_CONSOLE_PORT, so a guest can detect the console (Bochs convention). */

/* CPUID leaf with the hypervisor signature "pihvpihvpihv" in EBX, ECX, EDX. */
#define PIHV_CPUID_BASE 0x40000000
/*
 * CPUID 0x40000001 ECX bit 0: the APIC EOI is not needed and costs an exit (no virtual-interrupt
 * delivery on this CPU: the hypervisor injects one vector at a time and keeps no ISR).
 */
#define PIHV_CPUID_PV_NO_EOI (1u << 0)
/* An MSR pihv emulates for tests: reads return what the last write stored, per vCPU. */
#define PIHV_MSR_SCRATCH 0x40000000

#endif
