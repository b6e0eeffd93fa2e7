/*
 * The guest of the posted-interrupt attach/detach and entry tests (guests/piattach.c), shared
 * with tests/emu/cases/pi_attach.c.  vCPU 0 is the receiver of PA_VECTOR; a driver vCPU asks the
 * host to play one step of a simulator scenario per round (HC_TEST PA_OP_STEP) and then waits,
 * bounded by the TSC, for the vector: a lost one is a FAIL line and a host-side rescue.
 * tests/emu/cases/pi_ipi.c uses the same guest, its HC_TEST ops, and two roles of its own.
 */
#ifndef GUESTS_PIATTACH_H
#define GUESTS_PIATTACH_H

#define PA_VECTOR 0x50

enum pa_role {
	PA_ROLE_IDLE,
	/* per round: PA_OP_ROUND, `cli`, announce, `sti; hlt` until the round's vector came */
	PA_ROLE_HALT,
	/* per round: PA_OP_ROUND, `cli`, announce, spin with IF=0 until the driver says go, then
	 * `sti; hlt` until the vector came */
	PA_ROLE_CLI_WAIT_HLT,
	/* IF=1 spin until done; vectors received in gstat 2 (all) and 3 (PA_VECTOR) */
	PA_ROLE_SPIN,
	/* per round: PA_OP_ROUND (an exit: the host posts at the next entry), IF=1 bounded wait
	 * for the round's vector with no exit; losses in gstat 0 */
	PA_ROLE_EXIT_WAIT,
	/* param rounds | flags: per round (wait for the announcement), PA_OP_STEP, act on its
	 * PA_STEP_* answer, bounded wait for the vector; gstat 0 lost, 2 rounds */
	PA_ROLE_DRIVER,
	/* vCPU 0 of pi-broadcast-logical (tests/emu/cases/pi_ipi.c): param rounds; per round and
	 * per PA_IPI_* kind, PA_OP_STEP (the host waits until vCPUs 1-3 are blocked), the IPI,
	 * bounded wait for each target's vector; then PA_IPI_END; gstat 0 lost, 3 its LDR */
	PA_ROLE_IPI_SEND,
	/* vCPUs 1-3 of pi-broadcast-logical: publish the LDR (gstat 3), then `sti; hlt` until
	 * the sender is done */
	PA_ROLE_IPI_HALT,
};

/*
 * pi-broadcast-logical: one IPI of each kind per round, each with its own vector, so the
 * guest's per-vector counts tell the kinds apart.  Targets are a bitmap of vCPU indexes.
 */
#define PA_IPI_ALL_BUT_SELF  0x61 /* shorthand 11: vCPUs 1, 2, 3 */
#define PA_IPI_PHYS_BCAST    0x62 /* physical destination 0xffffffff: all 4, sender included */
#define PA_IPI_LOGICAL	     0x63 /* logical: the OR of vCPU 1's and 3's LDRs: 1 and 3, not 2 */
#define PA_IPI_LOGICAL_BCAST 0x64 /* logical destination 0xffffffff: all 4 */
#define PA_IPI_OTHER_CLUSTER 0x65 /* logical, cluster 1, bitmap of 1 and 3: no vCPU */
#define PA_IPI_END	     0x66 /* shorthand 11 once the sender is done: the halters leave */

#define PA_WAIT_READY (1u << 24) /* driver: wait for vCPU 0's announcement of the round */
#define PA_ROUNDS(p)  ((p)&0xffffffu)

/* PA_OP_STEP answer bits */
#define PA_STEP_SEND (1u << 0) /* the driver sends PA_VECTOR to vCPU 0 (a vIPI) */
#define PA_STEP_GO   (1u << 1) /* the driver lets vCPU 0 go on to its HLT */

/* HC_TEST ops (rdi), answered by pi_attach.c */
#define PA_OP_ROLE  0 /* -> role | param << 8 */
#define PA_OP_ROUND 1 /* rsi = round vCPU 0 starts */
#define PA_OP_STEP  2 /* rsi = round: the host's part of the round -> PA_STEP_* */
#define PA_OP_WAKE  3 /* rsi = vCPU: sched_wake (rescue) */

#endif
