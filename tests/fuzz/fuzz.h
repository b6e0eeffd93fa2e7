/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): each parser runs on the fuzzer's
 * bytes under ASan + UBSan, then its output is checked against the parser's documented
 * promises.  A broken promise aborts with a message, which libFuzzer saves as a crash.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "lib/types.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz: %s:%d: broken promise: %s: ", __FILE__, __LINE__,   \
				#cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Is there a NUL within the cap bytes of s (a fixed-size string field)? */
static inline bool fuzz_terminated(const char *s, size_t cap)
{
	return memchr(s, 0, cap) != NULL;
}

/* Every used slot of an error list [n][len] is a terminated string; counts within bounds. */
#define FUZZ_CHECK_ERRORS(x, max)                                                                  \
	do {                                                                                       \
		FUZZ_CHECK((x)->nr_errors <= (max), "%u errors kept", (x)->nr_errors);             \
		for (u32 _i = 0; _i < (x)->nr_errors; _i++)                                        \
			FUZZ_CHECK(fuzz_terminated((x)->errors[_i], sizeof((x)->errors[_i])) &&    \
					   (x)->errors[_i][0],                                     \
				   "error %u empty or unterminated", _i);                          \
	} while (0)

static inline u32 fuzz_ld32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 fuzz_ld64(const u8 *p)
{
	return (u64)fuzz_ld32(p) | (u64)fuzz_ld32(p + 4) << 32;
}

/* An exact-size heap copy, so that one byte read past the input is an ASan report. */
static inline u8 *fuzz_copy(const u8 *data, size_t size)
{
	u8 *p = malloc(size ? size : 1);

	if (size)
		memcpy(p, data, size);
	return p;
}

/* The input up to its first NUL as an exact-size C string (caller frees). */
static inline char *fuzz_string(const u8 *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);

	memcpy(s, data, n);
	s[n] = 0;
	return s;
}

#endif
