/*
 * The hostile-guest tests' shared words (tests/emu/cases/hostile*.c): each attacker runs next to
 * victim VMs that measure their own progress.  Guests ask the host test for their parameters
 * with HC_TEST HOSTILE_OP_PARAM and leave their counts in HC_STAT slots.
 */
#ifndef GUESTS_HOSTILE_H
#define GUESTS_HOSTILE_H

/* HC_TEST ops (rdi) answered by the host test's hook */
#define HOSTILE_OP_PARAM 0 /* rsi = index -> the test's parameter (0 if none) */
#define HOSTILE_OP_MARK	 1 /* rsi = mark (< HOSTILE_MARKS): the host notes this vCPU's counters */
#define HOSTILE_MARKS	 8

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

/*
 * msrsweep: HC_STAT slot 0 counts the accesses tried; then six slots per part: 0 every index
 * outside the x2APIC range, 1 the x2APIC range (whose reads the CPU may virtualize).
 */
#define MSRSWEEP_X2APIC_FIRST	  0x800
#define MSRSWEEP_X2APIC_LAST	  0x8ff
#define MSRSWEEP_SEED		  0x9e3779b97f4a7c15ull
#define MSRSWEEP_RD_OK		  0
#define MSRSWEEP_RD_GP		  1
#define MSRSWEEP_WR_OK		  2
#define MSRSWEEP_WR_GP		  3
#define MSRSWEEP_BACK_OK	  4 /* the old value written back after a write that worked */
#define MSRSWEEP_BACK_GP	  5
#define MSRSWEEP_STAT(part, what) (1 + 6 * (part) + (what))
#define MSRSWEEP_SLOTS		  MSRSWEEP_STAT(2, 0)

/* hcfuzz: parameters and HC_STAT slots (slot 0: calls drawn) */
#define HOSTILE_PARAM_CALLS 1
#define HOSTILE_PARAM_MEM   2 /* the VM's memory size */
#define HCFUZZ_SEED	    0x2545f4914f6cdd1dull
#define HCFUZZ_ISSUED	    1 /* VMCALLs made */
#define HCFUZZ_LEFT_OUT	    2 /* drawn but not made: HC_EXIT, HC_TEST, a bad buffer */
#define HCFUZZ_OK	    3 /* result >= 0 */
#define HCFUZZ_ENOSYS	    4
#define HCFUZZ_EINVAL	    5
#define HCFUZZ_OTHER	    6 /* any other negative result: there is none */
#define HCFUZZ_SLOTS	    7

#endif
