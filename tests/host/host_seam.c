/*
 * The host unit tests' instance of the test seam (lib/test_seam.h): kernel/sched.c asks it
 * whether to preempt a blocking entity, as the test image's seam does in the kernel.
 */
#include "tests/host/host_seam.h"

static bool preempt_next[MAX_CPUS];

void host_inject_preempt_blocking(u32 cpu)
{
	preempt_next[cpu] = true;
}

static bool preempt_blocking(u32 cpu)
{
	bool r = preempt_next[cpu];

	preempt_next[cpu] = false;
	return r;
}

const struct test_seam test_seam = {.preempt_blocking = preempt_blocking};
