/* The pi guest's roles and HC_TEST ops, shared with tests/emu/cases/pi_live.c. */
#ifndef GUESTS_PI_H
#define GUESTS_PI_H

enum pi_role {
	PI_ROLE_IDLE,	      /* exit at once */
	PI_ROLE_RECV_SPIN,    /* IF=1, spin until the sender is done; count vectors (0 exits) */
	PI_ROLE_SEND_B2B,     /* rounds of 64 back-to-back IPIs 0x40-0x7f to vCPU 0 */
	PI_ROLE_RECV_HALT,    /* `sti; hlt` until vector 0x50 arrived, param times */
	PI_ROLE_SEND_DELAYED, /* once vCPU 0 halts: wait param iterations, IPI 0x50 */
	PI_ROLE_CLI_HLT,      /* `cli; hlt`: must not be woken by a posted 0x51 */
	PI_ROLE_SEND_TO_CLI,  /* post 0x51 to the cli-halted vCPU 0, check it stays blocked, wake */
	PI_ROLE_TIMER_HALT,   /* TSC-deadline timer 0x60 param ticks ahead, then `sti; hlt` */
	PI_ROLE_RECV_DEVICE,  /* `sti; hlt` until param vectors from the device arrived */
	PI_ROLE_SEND_MIGRATE, /* once vCPU 0 is blocked: migrate it to pCPU param, IPI 0x50 */
	PI_ROLE_TIMER_SPIN,   /* TSC-deadline timer 0x60 param ticks ahead, then spin with IF=1 */
};

/* HC_TEST ops (rdi), answered by the host test's hook */
#define PI_OP_ROLE    0 /* -> role | param << 8 */
#define PI_OP_EXITS   1 /* -> this vCPU's exit count (this VMCALL included) */
#define PI_OP_STATE   2 /* rsi = vCPU -> se.state | blocking << 8 | cpu << 16 | SN << 24 */
#define PI_OP_WAKE    3 /* rsi = vCPU: sched_wake */
#define PI_OP_MIGRATE 4 /* rsi = vCPU, rdx = pCPU: sched_migrate */

#define PI_SE_BLOCKED 2 /* kernel/sched.h SE_BLOCKED */

#endif
