/*
 * The CPU-isolation tests' guests (guests/msrfirst.c, nmiflood.c, regleak.c, vpidhop.c) and
 * their host side (tests/emu/cases/iso_*.c): the HC_TEST ops and the roles.  Each guest asks
 * for its role first (ISO_OP_ROLE); the answer is role | param << 8.
 */
#ifndef GUESTS_ISOCPU_H
#define GUESTS_ISOCPU_H

/* HC_TEST ops (rdi) */
#define ISO_OP_ROLE 0 /* -> role | param << 8 */
#define ISO_OP_NMI                                                                                 \
	1	      /* rsi = pCPU: the host sends it an NMI IPI and waits until it is counted    \
			 -> 0, or 1 if it was not within 20 ms */
#define ISO_OP_FLAG 2 /* rsi = 1: raise the run's flag; -> the flag */
#define ISO_OP_HOP  3 /* rsi = pCPU: move this vCPU there; it runs there after this exit */
#define ISO_OP_CPU  4 /* -> the pCPU running this vCPU */

/* nmiflood roles */
#define NMI_ROLE_VICTIM 1 /* work in rounds until the flag is up, then report the rounds */
#define NMI_ROLE_SENDER 2 /* param rounds: an NMI to every pCPU per round, then NMI-mode vIPIs */

/* regleak: param is the VM's seed (distinct per VM); rounds of write, yield, check */
#define LEAK_ROLE 1

/* vpidhop: param hops between pCPUs 0..3 */
#define HOP_ROLE 1

#endif
