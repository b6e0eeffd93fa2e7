/*
 * The LAPIC test guests' roles and HC_TEST ops (guests/lapic.c, guests/lapicipi.c,
 * guests/apstart.c), shared with tests/emu/cases/lapic_*.c.  Every check is a guest report
 * (HC_REPORT); the host test adds what only the host can see.
 */
#ifndef GUESTS_LAPIC_H
#define GUESTS_LAPIC_H

enum la_role {
	LA_ROLE_IDLE,
	LA_ROLE_MODES,	    /* IA32_APIC_BASE transitions, registers and #GP cases, both modes */
	LA_ROLE_TIMER,	    /* one-shot, periodic, TSC-deadline, masked, divide: both modes */
	LA_ROLE_SELFIPI,    /* self-IPI with IF=0 then `sti; hlt` never blocks: both modes */
	LA_ROLE_NMI_SENDER, /* NMIs to itself and to vCPU 1 (running, halted, cli-halted) */
	LA_ROLE_NMI_TARGET, /* vCPU 1 of the NMI test: follows vCPU 0's phases */
	LA_ROLE_IPI_SENDER, /* lapicipi: every kind of IPI to vCPUs 1-3, param LA_IPI_* */
	LA_ROLE_IPI_RECV,   /* lapicipi: receive until the sender is done */
	LA_ROLE_FUZZ,	    /* lapicipi: param random ICR values, x2APIC then xAPIC */
	LA_ROLE_FUZZ_RECV,  /* lapicipi: spin with IF=1 until the fuzzer is done */
	LA_ROLE_AP_BSP,	    /* apstart: INIT/SIPI the APs in the ways param says */
	LA_ROLE_EXIT,	    /* exit at once (apstart: a BSP that never starts its APs) */
	LA_ROLE_PING,	    /* lapicrtt: IPI round trips to vCPU 1, param LA_IPI_* */
	LA_ROLE_PONG,	    /* lapicrtt: answer each ping from the interrupt handler */
};

/* LA_ROLE_IPI_SENDER / _RECV param bits */
#define LA_IPI_XAPIC (1u << 0) /* xAPIC mode (else x2APIC) */
#define LA_IPI_HALT  (1u << 1) /* receivers halt between IPIs (else they spin with IF=1) */

/* LA_ROLE_AP_BSP param bits */
#define LA_AP_XAPIC (1u << 0) /* the BSP sends from xAPIC mode */
#define LA_AP_ONE   (1u << 1) /* start vCPU 1 alone first (physical), re-INIT it, start again */
#define LA_AP_BENCH (1u << 2) /* one INIT + SIPI to all-excluding-self: time to all online */

/* HC_TEST ops */
#define LA_OP_ROLE  0 /* -> role | param << 8 */
#define LA_OP_STAT  1 /* rsi = vCPU, rdx = LA_STAT_* -> that counter */
#define LA_OP_DELAY 2 /* rsi = microseconds: the host spins (a stand-in for work) */

#define LA_STAT_BLOCKS	    0 /* HLTs that blocked */
#define LA_STAT_HLT_PENDING 1 /* HLTs that found something pending and resumed */
#define LA_STAT_EXITS	    2 /* VM exits */
#define LA_STAT_SE_STATE    3 /* scheduler state: 2 = blocked (kernel/sched.h) */
#define LA_STAT_HLT_EXITS   4 /* HLT exits */

#define LA_SE_BLOCKED 2
#define LA_SE_DEAD    3 /* a finished vCPU */

#endif
