/*
 * The hostile-guest tests' shared words (tests/emu/cases/hostile*.c): each attacker runs next to
 * victim VMs that measure their own progress.  Guests ask the host test for their parameters
 * with HC_TEST HOSTILE_OP_PARAM and leave their counts in HC_STAT slots.
 */
#ifndef GUESTS_HOSTILE_H
#define GUESTS_HOSTILE_H

/* HC_TEST ops (rdi) answered by the host test's hook */
#define HOSTILE_OP_PARAM 0 /* rsi = index -> the test's parameter (0 if none) */

/* Parameter 0 of every guest: its run length in TSC ticks (victims: the measuring window). */
#define HOSTILE_PARAM_TICKS 0

/* Victim HC_STAT slots */
#define VICTIM_STAT_UNITS 0 /* work units done in the window */
#define VICTIM_STAT_TICKS 1 /* TSC ticks the window lasted */
#define VICTIM_STAT_START 2 /* TSC at the window's start */
#define VICTIM_STAT_END	  3 /* ... and at its end */

/* Attacker HC_STAT slots: what it tried and how it came out (meaning per attacker) */
#define ATTACK_STAT_TRIED 0
#define ATTACK_STAT_A	  1
#define ATTACK_STAT_B	  2
#define ATTACK_STAT_C	  3
#define ATTACK_STAT_D	  4
#define ATTACK_STAT_E	  5
#define ATTACK_STAT_F	  6
#define ATTACK_STAT_G	  7

#endif
