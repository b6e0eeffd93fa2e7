/*
 * The test image's side of the test seam (lib/test_seam.h): what the in-kernel tests register
 * to steer the product.  The registrations are per vCPU or per VM, kept in small tables here,
 * so no product structure carries a test field.  Register before vm_run(); clear with NULL.
 */
#ifndef TESTS_EMU_SEAM_H
#define TESTS_EMU_SEAM_H

#include "lib/test_seam.h"
#include "lib/types.h"

struct vcpu;
struct vm;

typedef void (*tseam_point_fn)(struct vcpu *v, enum vcpu_test_point p, bool blocking,
			       bool preempted);
typedef void (*tseam_setup_fn)(struct vcpu *v);
/* HC_TEST(op, a, b) from a guest of vm: the result goes to the guest's RAX. */
typedef u64 (*tseam_hc_fn)(struct vcpu *v, u64 op, u64 a, u64 b);
typedef void (*tseam_lock_fn)(const void *lock, bool taken);
/* An EPT violation of vm at gpa: true if the test took that page away and gave it back. */
typedef bool (*tseam_ept_fn)(struct vcpu *v, u64 gpa);

/* v calls point at each enum vcpu_test_point (on v's pCPU, IRQs off). */
void tseam_set_point(struct vcpu *v, tseam_point_fn point);
/* v calls setup after its VMCS is set up, before its first entry. */
void tseam_set_setup(struct vcpu *v, tseam_setup_fn setup);
/* HC_TEST from vm lands in hc; data is the test's, read back with tseam_vm_data(). */
void tseam_set_hypercall(struct vm *vm, tseam_hc_fn hc, const void *data);
const void *tseam_vm_data(const struct vm *vm);
/* EPT violations of vm go to ept first (tests that take guest pages away on purpose). */
void tseam_set_ept_violation(struct vm *vm, tseam_ept_fn ept);
/* Every pi_env_lock calls point (IRQs off) until it is set back to NULL. */
void tseam_set_lock_point(tseam_lock_fn point);
/* The next sched_switch on cpu preempts a blocking current vCPU instead of blocking it. */
void tseam_inject_preempt_blocking(u32 cpu);
/* Forget every registration (between the parts of one test). */
void tseam_reset(void);

#endif
