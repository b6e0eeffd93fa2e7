/* Parsing trace= (trace_opts.h).  Pure C. */
#include "trace/trace_opts.h"
#include "lib/compiler.h"
#include "lib/words.h"
#include "trace/trace_rec.h"

static const struct {
	const char *name;
	u32 mask;
} categories[] = {
	{"sched", BIT(TRACE_EV_SWITCH_IN) | BIT(TRACE_EV_SWITCH_OUT) | BIT(TRACE_EV_WAKE) |
			  BIT(TRACE_EV_BLOCK) | BIT(TRACE_EV_MIGRATE) | BIT(TRACE_EV_IDLE)},
	{"pi", BIT(TRACE_EV_PI_LOAD) | BIT(TRACE_EV_PI_PUT)},
	{"post", BIT(TRACE_EV_POST)},
	{"irq", BIT(TRACE_EV_NOTIFY_IRQ) | BIT(TRACE_EV_WAKEUP_IRQ)},
	{"poll", BIT(TRACE_EV_POLL)},
	{"exit", BIT(TRACE_EV_EXIT)},
};

static_assert(TRACE_EV_COUNT <= 32, "one mask bit per event");

s64 trace_parse_events(const char *s, char *bad, size_t bad_size)
{
	u32 mask = 0;

	if (span_eq(s, 2, "on") && !s[2])
		return TRACE_ALL_EVENTS;
	if (span_eq(s, 3, "all") && !s[3])
		return TRACE_ALL_EVENTS;
	if (span_eq(s, 3, "off") && !s[3])
		return 0;
	for (;;) {
		size_t n = 0, i;

		while (s[n] && s[n] != ',')
			n++;
		for (i = 0; i < ARRAY_SIZE(categories); i++)
			if (span_eq(s, n, categories[i].name))
				break;
		if (i == ARRAY_SIZE(categories)) {
			size_t k;

			for (k = 0; bad_size && k < n && k < bad_size - 1; k++)
				bad[k] = s[k];
			if (bad_size)
				bad[k] = 0;
			return -1;
		}
		mask |= categories[i].mask;
		if (!s[n])
			return mask;
		s += n + 1;
	}
}

void trace_events_name(u32 mask, char *buf, size_t size)
{
	size_t len = 0;

	if (!size)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(categories); i++) {
		const char *p = categories[i].name;

		if (!(mask & categories[i].mask))
			continue;
		if (len && len < size - 1)
			buf[len++] = ',';
		while (*p && len < size - 1)
			buf[len++] = *p++;
	}
	buf[len] = 0;
}
