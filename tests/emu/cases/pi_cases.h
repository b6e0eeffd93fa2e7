/*
 * Scaffolding shared by the live posted-interrupt tests (pi_live.c, pi_races.c, pi_attach.c,
 * pi_offline.c): requirements, VM creation from a linked guest image, placement, the run and
 * its verdict.  Each test keeps only its scenario.
 */
#ifndef TESTS_EMU_CASES_PI_CASES_H
#define TESTS_EMU_CASES_PI_CASES_H

#include "lib/types.h"
#include "vm/vm.h"

typedef u64 (*pi_case_hook_t)(struct vcpu *v, u64 op, u64 a, u64 b);

/* VMX (and posted interrupts if need_pi) with at least cpus pCPUs; otherwise a SKIP line. */
bool pi_case_need(u32 cpus, bool need_pi);
/*
 * A VM named name of the linked guest image, vCPU i on pCPU (first + i) % online, with the
 * HC_TEST hook; NULL (with a FAIL line) if the image is missing or the VM cannot be created.
 */
struct vm *pi_case_vm(const char *image, const char *name, u32 vcpus, u32 first,
		      pi_case_hook_t hook);
/* Before the run: vCPU i starts on run queue cpu; pin is the only pCPU it may move to. */
void pi_case_place(struct vm *vm, u32 i, u32 cpu, u32 pin);
/* Every vCPU reached HC_EXIT, the VM was not stopped and its guest reported no FAIL. */
bool pi_case_finished(const struct vm *vm);
/* vm_run (on every pCPU if every_pcpu: a vCPU may move), then the PI counters. */
void pi_case_run(struct vm *vm, bool every_pcpu);

/* The descriptor's control word (ON, SN, NV, NDST), read as another agent would. */
u64 pi_case_ctl(struct vcpu *v);
/* v is blocked, switched out, armed (SN=0, NV=WAKEUP) and on pCPU cpu's wakeup list. */
bool pi_case_blocked_armed_on(struct vcpu *v, u32 cpu);
/* Spins until pi_case_blocked_armed_on(v, cpu) or us microseconds; counts a timeout. */
bool pi_case_wait_armed(struct vcpu *v, u32 cpu, u64 us, u64 *timeouts);

#endif
