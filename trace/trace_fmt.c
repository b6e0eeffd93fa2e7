/* The text form of trace records (trace_fmt.h).  Pure C. */
#include <stdarg.h>

#include "trace/trace_fmt.h"
#include "lib/compiler.h"
#include "lib/fmt.h"

static const char *const mnemonics[TRACE_EV_COUNT] = {
	[TRACE_EV_NONE] = "--",	      [TRACE_EV_SWITCH_IN] = "si",  [TRACE_EV_SWITCH_OUT] = "so",
	[TRACE_EV_PI_LOAD] = "pl",    [TRACE_EV_PI_PUT] = "pp",	    [TRACE_EV_POST] = "po",
	[TRACE_EV_NOTIFY_IRQ] = "ni", [TRACE_EV_WAKEUP_IRQ] = "wi", [TRACE_EV_WAKE] = "wk",
	[TRACE_EV_BLOCK] = "bl",      [TRACE_EV_POLL] = "hp",	    [TRACE_EV_EXIT] = "ex",
	[TRACE_EV_MIGRATE] = "mg",    [TRACE_EV_IDLE] = "id",
};

const char *trace_mnemonic(u8 type)
{
	return type < TRACE_EV_COUNT ? mnemonics[type] : "??";
}

/* A line being built: appends stop at the buffer's end, the length keeps counting. */
struct line {
	char *buf;
	size_t size;
	size_t len;
};

static __printf(2, 3) void put(struct line *l, const char *fmt, ...)
{
	size_t at = MIN(l->len, l->size);
	va_list ap;

	va_start(ap, fmt);
	l->len += (size_t)fmt_vsnprintf(l->buf + at, l->size - at, fmt, ap);
	va_end(ap);
}

int trace_fmt_rec(char *buf, size_t size, const struct trace_rec *r, u64 prev_tsc)
{
	struct line l = {buf, size, 0};
	bool back = r->tsc < prev_tsc;
	/* how many of vcpu, a, b to print: trailing zeros (and a missing vCPU) are left out */
	int fields = r->b ? 3 : r->a ? 2 : r->vcpu != TRACE_NO_VCPU ? 1 : 0;

	put(&l, "TR %s", trace_mnemonic(r->type));
	if (r->flags)
		put(&l, "/%x", r->flags);
	put(&l, " %s%lx", back ? "-" : "", back ? prev_tsc - r->tsc : r->tsc - prev_tsc);
	if (fields >= 1 && r->vcpu == TRACE_NO_VCPU)
		put(&l, " -");
	else if (fields >= 1)
		put(&l, " %x", r->vcpu);
	if (fields >= 2)
		put(&l, " %lx", r->a);
	if (fields >= 3)
		put(&l, " %lx", r->b);
	put(&l, "\n");
	return (int)l.len;
}
