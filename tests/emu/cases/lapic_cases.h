/* Scaffolding of the LAPIC tests (lapic_cases.c, lapic_start.c): roles per vCPU, the HC_TEST hook.
 */
#ifndef TESTS_EMU_CASES_LAPIC_CASES_H
#define TESTS_EMU_CASES_LAPIC_CASES_H

#include "lib/types.h"
#include "vm/vm.h"

struct lapic_case {
	u32 role[VM_MAX_VCPUS], param[VM_MAX_VCPUS];
};

/* HC_TEST of the LAPIC guests (guests/lapic.h): LA_OP_ROLE from *lc, LA_OP_STAT. */
u64 lapic_case_hook(struct vcpu *v, u64 op, u64 a, u64 b);
/* A VM of image with vcpus vCPUs from pCPU first whose guests ask lc for their roles. */
struct vm *lapic_case_vm(const char *image, const char *name, u32 vcpus, u32 first,
			 struct lapic_case *lc);
/* One line: every vCPU exited, no guest FAIL, at least passes guest PASS lines. */
bool lapic_case_done(struct vm *vm, u32 passes);

#endif
