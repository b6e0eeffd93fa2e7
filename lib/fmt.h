/* Freestanding formatting (pure; host-tested). */
#ifndef KERNEL_FMT_H
#define KERNEL_FMT_H

#include <stdarg.h>
#include "lib/compiler.h"
#include "lib/types.h"

/*
 * Supports %d %i %u %x %X %o %c %s %p %% with flags '-', '0', '#', width, precision for %s,
 * and length modifiers hh h l ll z.  Always NUL-terminates when size > 0; returns the length
 * the full output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Appends one formatted message to a fixed error list (the parsers' errors[N][len] arrays):
 * errs points at errors[0], each slot is len bytes.  When all max slots are used the message
 * is counted in *dropped instead, so a flood of bad input can never overflow the list.
 */
void fmt_err_add(char *errs, size_t len, u32 *nr, u32 max, u32 *dropped, const char *fmt, ...)
	__printf(6, 7);
/* The same with a va_list, for the parsers' own printf-like error functions. */
void fmt_err_vadd(char *errs, size_t len, u32 *nr, u32 max, u32 *dropped, const char *fmt,
		  va_list ap);

#endif
