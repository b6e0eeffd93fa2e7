/*
 * Test points on a vCPU's HLT -> block -> put path, for the race tests of
 * tests/emu/cases/pi_races.c: a test sets v->test_point and is called at each named point, where
 * it may post, wait for a post from another pCPU, or inject a preemption
 * (sched_inject_preempt_blocking) exactly there.  NULL in production: each point then costs one
 * load and a branch that is not taken.  All points run on the vCPU's pCPU with IRQs off.
 *
 * The points, in the order a blocking HLT passes them (docs/pi.md "Live tests"):
 *   VTP_HLT_CHECKED     exit_hlt: IF=1, nothing pending, halt-poll missed or off; the vCPU is not
 *                       marked blocking yet (a post now is caught by the last check)
 *   VTP_HLT_LAST_CHECK  exit_hlt: after sched_block() and the last pending check (a post now is
 *                       the bug 7 window: only pi_put's self-IPI wakes the vCPU)
 *   VTP_BEFORE_PUT      switch_out, before pi_put(blocking, preempted)
 *   VTP_AFTER_PUT       switch_out, after pi_put (blocking and preempted: state C')
 * At the two HLT points blocking/preempted are false.  One more point is on the entry path:
 *   VTP_BEFORE_ENTRY    enter_once: after pi_enter_guest moved PIR to the vIRR, right before
 *                       VMLAUNCH/VMRESUME, IRQs off (a post now is the bug 19 window: its
 *                       notification must stay pending until the entry, tests/emu/cases/
 *                       pi_attach.c)
 */
#ifndef VMX_VCPU_TEST_H
#define VMX_VCPU_TEST_H

#include "kernel/types.h"
#include "pi/pi_env.h"

enum vcpu_test_point {
	VTP_HLT_CHECKED,
	VTP_HLT_LAST_CHECK,
	VTP_BEFORE_PUT,
	VTP_AFTER_PUT,
	VTP_BEFORE_ENTRY,
};

#define VCPU_TEST_POINT(v, p, blocking, preempted)                           \
	do {                                                                 \
		if (__builtin_expect((v)->test_point != NULL, 0))            \
			(v)->test_point((v), (p), (blocking), (preempted));  \
	} while (0)

/*
 * The lock path's test point (vmx/pi_env.c): called by pi_env_lock with IRQs off on the locking
 * pCPU, once before the first attempt (taken=false: the caller is about to spin if the lock is
 * held) and once right after it acquired l (taken=true).  A test makes two pCPUs meet in one pi
 * lock with it, e.g. holds the lock until the other side is known to wait for it
 * (tests/emu/cases/pi_unlist.c).  NULL in production: one load and a branch not taken.
 */
extern void (*pi_lock_test_point)(pi_lock_t *l, bool taken);

#endif
