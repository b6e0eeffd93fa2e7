/*
 * Words of a `key=value` line: the kernel command line (kernel/cmdline.c) and GRUB module2
 * arguments (vmboot/vm_args.c) share this lexing and its numbers.  Pure, header-only, host-tested
 * through both parsers.
 */
#ifndef KERNEL_WORDS_H
#define KERNEL_WORDS_H

#include "lib/types.h"

static inline bool word_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Is [s, s + n) equal to the NUL-terminated string z? */
static inline bool span_eq(const char *s, size_t n, const char *z)
{
	for (size_t i = 0; i < n; i++)
		if (z[i] != s[i])
			return false;
	return z[n] == 0;
}

/* The next blank-separated word of *s: *w and *n, *s moved past it.  false at the end. */
static inline bool word_next(const char **s, const char **w, size_t *n)
{
	const char *p = *s;
	size_t len = 0;

	while (word_is_space(*p))
		p++;
	if (!*p)
		return false;
	while (p[len] && !word_is_space(p[len]))
		len++;
	*w = p;
	*n = len;
	*s = p + len;
	return true;
}

/* Does the word contain '='?  (A first word without one is the image path some loaders add.) */
static inline bool word_has_eq(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] == '=')
			return true;
	return false;
}

enum span_num { SPAN_NUM_OK, SPAN_NUM_NAN, SPAN_NUM_OVERFLOW };

/*
 * [s, s + n) as a number: decimal, or 0x-hex with at least one digit; *out is set only on
 * SPAN_NUM_OK.  A span with a character that is not a digit is not a number even if its digits
 * also overflow ("99999999999999999999x").
 */
static inline enum span_num span_u64(const char *s, size_t n, u64 *out)
{
	unsigned int base = 10;
	bool overflow = false;
	u64 x = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!n)
		return SPAN_NUM_NAN;
	for (size_t i = 0; i < n; i++) {
		unsigned int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned int)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned int)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned int)(s[i] - 'A' + 10);
		else
			return SPAN_NUM_NAN;
		if (x > (~0ull - d) / base)
			overflow = true;
		x = x * base + d;
	}
	if (overflow)
		return SPAN_NUM_OVERFLOW;
	*out = x;
	return SPAN_NUM_OK;
}

#endif
