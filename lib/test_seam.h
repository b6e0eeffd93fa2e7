/*
 * INTERFACE: the one test seam.  Every place where the in-kernel tests look into or steer the
 * product is a member of struct test_seam, and nowhere else.  The product image links one
 * instance with every member NULL (kernel/test_seam.c); the test image adds another
 * (tests/emu/seam.c) that the linker script places first, so `test_seam` names the test's
 * instance when there is one.  The choice is made at link time: the product's objects are the
 * same in both images, and a NULL member costs one load and one branch not taken.
 *
 * The members only see opaque pointers, so this header sits in lib/ and every layer may
 * include it (docs/architecture.md).  All members are called with the IRQ state and on the
 * pCPU named in their comment; a test's implementation must not block there.
 */
#ifndef LIB_TEST_SEAM_H
#define LIB_TEST_SEAM_H

#include "lib/compiler.h"
#include "lib/types.h"

struct vcpu;
struct vm;

/*
 * The points of a vCPU's HLT -> block -> put path and of its entry path, in the order a blocking
 * HLT passes them (docs/pi.md "Live tests").  All on the vCPU's pCPU with IRQs off.
 *   VTP_HLT_CHECKED     IF=1, nothing pending, halt-poll missed or off; not marked blocking yet
 *                       (a post now is caught by the last check)
 *   VTP_HLT_LAST_CHECK  after sched_block() and the last pending check (a post now is the
 *                       "post in the block window" race: only pi_put's self-IPI wakes it)
 *   VTP_BEFORE_PUT      switch_out, before pi_put(blocking, preempted)
 *   VTP_AFTER_PUT       switch_out, after pi_put
 *   VTP_BEFORE_ENTRY    after PIR moved to the vIRR, right before VMLAUNCH/VMRESUME (a post now
 *                       must leave its notification pending until the entry)
 * At the two HLT points blocking/preempted are false.
 */
enum vcpu_test_point {
	VTP_HLT_CHECKED,
	VTP_HLT_LAST_CHECK,
	VTP_BEFORE_PUT,
	VTP_AFTER_PUT,
	VTP_BEFORE_ENTRY,
};

struct test_seam {
	/* BSP, thread context, IRQs on, after the banner: runs the selected test instead of the
	 * product's VMs; does not return. */
	__noreturn void (*run)(void);
	/* Any pCPU, after the panic message: ends the run the way the test protocol says. */
	__noreturn void (*panic_end)(void);
	/* A vCPU at one of the points above. */
	void (*vcpu_point)(struct vcpu *v, enum vcpu_test_point p, bool blocking, bool preempted);
	/* The vCPU's pCPU, IRQs off: its VMCS was just set up, before the first entry. */
	void (*vcpu_setup)(struct vcpu *v);
	/* The calling vCPU's pCPU, in its exit handler: HC_TEST(op, a, b).  Returns the guest's
	 * RAX; *switch_out may be set to leave the guest (yield). */
	u64 (*hypercall)(struct vcpu *v, u64 op, u64 a, u64 b, bool *switch_out);
	/* pi_env_lock, IRQs off: once before the first attempt (taken=false), once after. */
	void (*pi_lock_point)(const void *lock, bool taken);
	/* sched_switch on cpu with the run-queue lock held: preempt a blocking current entity
	 * instead of blocking it (the "preempted while blocking" window, made to happen)? */
	bool (*preempt_blocking)(u32 cpu);
	/* vcpu_loop on cpu, idle, IRQs off: stop running vCPUs here (pCPU taken offline)? */
	bool (*pcpu_leaving)(u32 cpu);
	/* vcpu_loop on cpu has left its loop; nothing is loaded here. */
	void (*pcpu_parked)(u32 cpu);
	/* BSP, an initcall: make the allocation named what fail ("msr-bitmap")? */
	bool (*init_alloc_fails)(const char *what);
	/* The vCPU's pCPU, in its EPT-violation exit, IRQs off: did the test take the page at gpa
	 * away (and now give it back)?  true resumes the guest; false is the usual fatal exit. */
	bool (*ept_violation)(struct vcpu *v, u64 gpa);
};

extern const struct test_seam test_seam;

#endif
