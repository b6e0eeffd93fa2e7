/*
 * Leaf header: the local APIC's architectural registers and bits (SDM Vol. 3A ch. 11), defined
 * once for the host's APIC driver (apic.c, timer.c), the guests' virtual APIC (vm/vapic.c) and
 * the guest programs (guests/).  Constants only, no includes, so a freestanding guest can use it.
 */
#ifndef ARCH_X86_APIC_REGS_H
#define ARCH_X86_APIC_REGS_H

/* Where the xAPIC page is after reset (IA32_APIC_BASE, 11.4.4). */
#define APIC_BASE_DEFAULT 0xfee00000ul

/* Register offsets in the xAPIC MMIO page, which is also the virtual-APIC page's layout. */
#define APIC_REG_ID	   0x20
#define APIC_REG_VER	   0x30
#define APIC_REG_TPR	   0x80
#define APIC_REG_APR	   0x90 /* xAPIC only */
#define APIC_REG_PPR	   0xa0
#define APIC_REG_EOI	   0xb0
#define APIC_REG_RRD	   0xc0 /* xAPIC only */
#define APIC_REG_LDR	   0xd0
#define APIC_REG_DFR	   0xe0 /* xAPIC only */
#define APIC_REG_SVR	   0xf0
#define APIC_REG_ISR	   0x100 /* 8 registers, 0x10 apart */
#define APIC_REG_TMR	   0x180 /* 8 registers, 0x10 apart */
#define APIC_REG_IRR	   0x200 /* 8 registers, 0x10 apart */
#define APIC_REG_ESR	   0x280
#define APIC_REG_LVT_CMCI  0x2f0
#define APIC_REG_ICR	   0x300
#define APIC_REG_ICR_HI	   0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_THERM 0x330
#define APIC_REG_LVT_PERF  0x340
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_ICR 0x380
#define APIC_REG_TIMER_CCR 0x390
#define APIC_REG_TIMER_DCR 0x3e0
#define APIC_REG_SELF_IPI  0x3f0 /* x2APIC only */

/* x2APIC mode: each register is an MSR, 0x800 + (xAPIC offset >> 4) (11.12.1.2). */
#define X2APIC_MSR(reg)	     (0x800 + ((reg) >> 4))
#define X2APIC_MSR_BASE	     X2APIC_MSR(0)
#define X2APIC_MSR_LAST	     0x8ff
#define X2APIC_MSR_ID	     X2APIC_MSR(APIC_REG_ID)
#define X2APIC_MSR_TPR	     X2APIC_MSR(APIC_REG_TPR)
#define X2APIC_MSR_EOI	     X2APIC_MSR(APIC_REG_EOI)
#define X2APIC_MSR_LDR	     X2APIC_MSR(APIC_REG_LDR)
#define X2APIC_MSR_ESR	     X2APIC_MSR(APIC_REG_ESR)
#define X2APIC_MSR_ICR	     X2APIC_MSR(APIC_REG_ICR) /* 64 bits: the destination in 63:32 */
#define X2APIC_MSR_LVT_TIMER X2APIC_MSR(APIC_REG_LVT_TIMER)
#define X2APIC_MSR_TIMER_CCR X2APIC_MSR(APIC_REG_TIMER_CCR)
#define X2APIC_MSR_SELF_IPI  X2APIC_MSR(APIC_REG_SELF_IPI)

/* Spurious-interrupt vector register (11.9): bit 8 enables the APIC in software (11.4.7.2). */
#define APIC_SVR_ENABLE (1u << 8)

/* Error status register bits (11.5.3). */
#define APIC_ESR_SEND_ILLEGAL (1u << 5) /* sent an illegal vector (< 16) */
#define APIC_ESR_RECV_ILLEGAL (1u << 6) /* received one (the LVT asked for it) */

/* Interrupt command register (11.6.1): delivery mode in 10:8, shorthand in 19:18. */
#define ICR_VECTOR_MASK	    0xffu
#define ICR_FIXED	    (0u << 8)
#define ICR_LOWEST	    (1u << 8)
#define ICR_SMI		    (2u << 8)
#define ICR_NMI		    (4u << 8) /* the vector field is ignored */
#define ICR_INIT	    (5u << 8)
#define ICR_STARTUP	    (6u << 8)
#define ICR_MODE_MASK	    (7u << 8)
#define ICR_LOGICAL	    (1u << 11) /* destination mode */
#define ICR_DELIVERY_STATUS (1u << 12) /* xAPIC only: send pending */
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_SELF	    (1u << 18) /* destination shorthand 01 */
#define ICR_ALL		    (2u << 18) /* 10: all including self */
#define ICR_ALL_BUT_SELF    (3u << 18) /* 11 */
#define ICR_SHORTHAND_MASK  (3u << 18)
#define ICR_X2APIC_DEST(d)  ((unsigned long long)(d) << 32) /* x2APIC: 63:32 (11.12.9) */
/* x2APIC: bits 12 (no delivery status), 13, 17:16 and 31:20 are reserved; WRMSR #GPs (11.12.9) */
#define X2APIC_ICR_RESERVED 0xfff33000u

/* Local vector table entries (11.5.1) and the timer's divide configuration (11.5.4). */
#define APIC_LVT_VECTOR_MASK	    0xffu
#define APIC_LVT_MASKED		    (1u << 16)
#define APIC_LVT_TIMER_ONESHOT	    (0u << 17)
#define APIC_LVT_TIMER_PERIODIC	    (1u << 17)
#define APIC_LVT_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_LVT_TIMER_MODE_MASK    (3u << 17)
#define APIC_DCR_DIV1		    0xb

#endif
