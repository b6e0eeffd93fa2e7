/*
 * The text form of a trace record, one serial line each (pure; host-tested, and read back by
 * scripts/trace2perfetto.py, which holds the same mnemonic table):
 *
 *   TR <mnemonic>[/<flags>] <dtsc> [<vcpu> [<a> [<b>]]]
 *
 * All numbers are hex without 0x.  dtsc is the record's TSC minus the previous record's in the
 * same pCPU block (the first one's minus the block's base=), with a '-' in front when an
 * interrupt's record got the earlier slot.  Trailing zero fields are left out; vcpu is left
 * out, or printed as '-' when a or b follows, if the record names no vCPU.
 */
#ifndef TRACE_TRACE_FMT_H
#define TRACE_TRACE_FMT_H

#include "lib/types.h"
#include "trace/trace_rec.h"

/* Two lowercase letters for each enum trace_event ("??" for an unknown type). */
const char *trace_mnemonic(u8 type);

/*
 * Writes r's line (with a trailing '\n') into buf, NUL-terminated, cut to size.
 * @return the length of the whole line.
 */
int trace_fmt_rec(char *buf, size_t size, const struct trace_rec *r, u64 prev_tsc);

#endif
