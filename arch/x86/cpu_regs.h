/*
 * Leaf header: control-register and RFLAGS bits (SDM Vol. 3A 2.3, 2.5), defined once for C and
 * for the assembly that switches to long mode (boot/multiboot2.S, boot/ap_trampoline.S), which
 * is why it has no includes and writes its bits with X86_BIT().
 */
#ifndef ARCH_X86_CPU_REGS_H
#define ARCH_X86_CPU_REGS_H

#ifdef __ASSEMBLY__
#define X86_BIT(n) (1 << (n))
#else
#define X86_BIT(n) (1ul << (n))
#endif

#define CR0_PE	       X86_BIT(0)
#define CR0_MP	       X86_BIT(1)
#define CR0_ET	       X86_BIT(4)
#define CR0_NE	       X86_BIT(5) /* native FPU errors; VMX requires it (SDM Vol. 3C 24.8) */
#define CR0_WP	       X86_BIT(16)
#define CR0_NW	       X86_BIT(29)
#define CR0_CD	       X86_BIT(30)
#define CR0_PG	       X86_BIT(31)
#define CR4_PSE	       X86_BIT(4) /* 4 MiB pages in 32-bit paging */
#define CR4_PAE	       X86_BIT(5)
#define CR4_PGE	       X86_BIT(7)
#define CR4_OSFXSR     X86_BIT(9)
#define CR4_OSXMMEXCPT X86_BIT(10)
#define CR4_LA57       X86_BIT(12)
#define CR4_VMXE       X86_BIT(13)
#define CR4_SMXE       X86_BIT(14)
#define CR4_OSXSAVE    X86_BIT(18)
#define CR4_PKE	       X86_BIT(22)
#define CR4_CET	       X86_BIT(23)
#define CR4_PKS	       X86_BIT(24)
#define RFLAGS_IF      X86_BIT(9)

#endif
