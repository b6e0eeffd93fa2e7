/*
 * The trace= command-line value (pure; host-tested): "on" or "all" for every event, "off", or
 * a comma-separated list of categories:
 *
 *   sched  switch in / out, block, wake, migrate, idle     pi    pi_load, pi_put
 *   post   posts (vcpu_post)                               irq   NOTIFY and WAKEUP interrupts
 *   poll   halt-poll begin / end                           exit  VM exits (trace_exits= samples)
 */
#ifndef TRACE_TRACE_OPTS_H
#define TRACE_TRACE_OPTS_H

#include "lib/types.h"
#include "trace/trace_rec.h"

#define TRACE_ALL_EVENTS (((u32)BIT(TRACE_EV_COUNT) - 1) & ~(u32)BIT(TRACE_EV_NONE))

/*
 * @return the event mask for s, or -1 if a word of it is not a category (the first bad word is
 * then copied to bad, NUL-terminated, cut to bad_size).
 */
s64 trace_parse_events(const char *s, char *bad, size_t bad_size);

/* The categories of mask as "sched,pi,..." into buf (NUL-terminated, cut to size). */
void trace_events_name(u32 mask, char *buf, size_t size);

#endif
