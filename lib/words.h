/*
 * Words of a `key=value` line: the kernel command line (kernel/cmdline.c) and GRUB module2
 * arguments (vmboot/vm_args.c) share this lexing.  Pure, header-only, host-tested through both
 * parsers.
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

#endif
