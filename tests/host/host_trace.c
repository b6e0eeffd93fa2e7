/* The host stand-in for trace/trace.c (tests/host/host_trace.h). */
#include <string.h>

#include "tests/host/host_trace.h"
#include "trace/trace_fmt.h"
#include "trace/trace_ring.h"

#define HOST_RECS 256

struct trace_config trace_config;

static struct trace_ring ring;
static struct trace_rec recs[HOST_RECS];
static u64 fake_tsc;
static char text[HOST_RECS * 48];

void host_trace_start(void)
{
	trace_ring_init(&ring, recs, HOST_RECS);
	fake_tsc = 0;
	trace_config.mask = (u32)BIT(TRACE_EV_COUNT) - 2;
}

void host_trace_stop(void)
{
	trace_config.mask = 0;
}

void trace_emit(u8 type, u8 flags, u16 vcpu, u64 a, u64 b)
{
	fake_tsc += 0x10;
	trace_ring_write(&ring, fake_tsc, type, flags, vcpu, a, b);
}

const char *host_trace_text(void)
{
	u64 from, to, dropped, prev = 0;
	struct trace_rec r;
	char line[96];

	text[0] = 0;
	trace_ring_span(&ring, &from, &to, &dropped);
	for (u64 s = from; s < to; s++) {
		if (!trace_ring_get(&ring, s, &r))
			continue;
		trace_fmt_rec(line, sizeof(line), &r, prev);
		prev = r.tsc;
		/* "TR si 10 0\n" -> "si 0 " */
		char *p = line + 3, *sp = strchr(p, ' '), *rest = strchr(sp + 1, ' ');

		*sp = 0;
		strcat(text, p);
		if (rest) {
			rest[strcspn(rest, "\n")] = 0;
			strcat(text, rest);
		}
		strcat(text, " ");
	}
	return text;
}
