/*
 * The host unit tests' stand-in for trace/trace.c: kernel/sched.c's trace points write into one
 * ring of the real trace/trace_ring.c, at a fake TSC that advances by 0x10 per record.
 */
#ifndef TESTS_HOST_HOST_TRACE_H
#define TESTS_HOST_HOST_TRACE_H

#include "trace/trace.h"

/* Empties the ring, restarts the fake TSC at 0 and turns every event on. */
void host_trace_start(void);
/* Turns tracing off again (the default: the other tests run with it off). */
void host_trace_stop(void);
/*
 * The records since host_trace_start as dump lines (trace/trace_fmt.h), with the leading "TR "
 * and the TSC delta left out and '\n' turned into ' ': e.g. "si 0 so/1 0 bl 0 ".
 */
const char *host_trace_text(void);

#endif
