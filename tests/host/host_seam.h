/* The host unit tests' test seam (tests/host/host_seam.c). */
#ifndef TESTS_HOST_HOST_SEAM_H
#define TESTS_HOST_HOST_SEAM_H

#include "lib/config.h"
#include "lib/test_seam.h"

/* The next sched_switch on cpu preempts a blocking current entity instead of blocking it. */
void host_inject_preempt_blocking(u32 cpu);

#endif
