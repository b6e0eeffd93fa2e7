/*
 * The posted-interrupt race tests' guest (guests/pirace.c): roles and HC_TEST ops, shared with
 * tests/emu/cases/pi_races.c.  The halter is always vCPU 0 and waits for PR_VECTOR.
 */
#ifndef GUESTS_PIRACE_H
#define GUESTS_PIRACE_H

#define PR_VECTOR 0x50

enum pr_role {
	PR_ROLE_IDLE, /* exit at once */
	PR_ROLE_HALT, /* param rounds: PR_OP_ROUND, `cli`, announce, `sti; hlt` for PR_VECTOR */
	/*
	 * Per round: wait for the halter, IPI it (unless PR_NO_SEND), bounded wait for its
	 * handler; a timeout is a lost wakeup: FAIL line, host-side wake.
	 */
	PR_ROLE_SENDER,
	PR_ROLE_SPIN,		/* IF=1 spin until done; report the vectors received in gstat 2/3 */
	PR_ROLE_POST_PREEMPTED, /* param rounds: PR_OP_POST_PREEMPTED to vCPU 0, await delivery */
	PR_ROLE_CPRIME, /* wait for vCPU 0 in C' on pCPU 2, migrate it to 3, wait blocked, IPI */
};

/* Sender param: rounds in bits 23:0, flags above. */
#define PR_NO_SEND   (1u << 24) /* the host posts (from a test point); the sender only watches */
#define PR_ROUNDS(p) ((p)&0xffffffu)

/* HC_TEST ops (rdi), answered by pi_races.c */
#define PR_OP_ROLE	     0 /* -> role | param << 8 */
#define PR_OP_ROUND	     1 /* rsi = round the halter starts: the host picks that round's mode */
#define PR_OP_STATE	     2 /* rsi = vCPU -> se.state | blocking << 8 | cpu << 16 */
#define PR_OP_WAKE	     3 /* rsi = vCPU: sched_wake (rescue after a lost wakeup) */
#define PR_OP_MIGRATE	     4 /* rsi = vCPU, rdx = pCPU: sched_migrate */
#define PR_OP_POST_PREEMPTED 5 /* rsi = vCPU, rdx = vector -> PR_PP_* bits */

/* PR_OP_POST_PREEMPTED result: posted only if the target was RUNNABLE, not on a pCPU */
#define PR_PP_POSTED   (1u << 0) /* target was preempted; the post was made */
#define PR_PP_SN       (1u << 1) /* SN was set in its descriptor before the post */
#define PR_PP_NOTIFIED (1u << 2) /* pi_post sent a notification (must not) */
#define PR_PP_PIR      (1u << 3) /* the vector's PIR bit is set after the post */
#define PR_PP_ON       (1u << 4) /* ON set after the post (must not: SN=1) */
#define PR_PP_OTHER    (1u << 5) /* another vCPU was rq->curr of the target's pCPU */

#define PR_SE_RUNNABLE 0 /* kernel/sched.h enum sched_state */
#define PR_SE_BLOCKED  2

#endif
