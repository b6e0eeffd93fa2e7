/*
 * Minimal host unit-test framework.  TEST(name) registers a function (constructor attribute);
 * EXPECT_* print one protocol line per check (docs/testing.md, STYLE rule 14):
 *   PASS: <test>: <what>      FAIL: <test>: <what> (<file>:<line>, values)
 * test_main.c prints SUMMARY and the single "Test result:" line.
 */
#ifndef TESTS_HOST_TEST_H
#define TESTS_HOST_TEST_H

#include <string.h>

#include "lib/compiler.h"
#include "lib/types.h"

void test_register(const char *name, void (*fn)(void));
__printf(4, 5) bool test_report(bool ok, const char *file, int line, const char *fmt, ...);
void test_skip(const char *why);
/* Is there an error message containing sub?  errs is any [n][96] message array. */
bool test_expect_err(const char (*errs)[96], u32 nr, const char *sub, const char *file, int line);
bool test_expect_no_err(const char (*errs)[96], u32 nr, const char *what, const char *file,
			int line);

#define TEST(name)                                                                                 \
	static void test_fn_##name(void);                                                          \
	__attribute__((constructor)) static void test_reg_##name(void)                             \
	{                                                                                          \
		test_register(#name, test_fn_##name);                                              \
	}                                                                                          \
	static void test_fn_##name(void)

#define EXPECT_TRUE(c) test_report(!!(c), __FILE__, __LINE__, "%s", #c)

#define EXPECT_EQ(a, b)                                                                            \
	({                                                                                         \
		unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b);     \
		test_report(_a == _b, __FILE__, __LINE__, "%s == %s (got 0x%llx, want 0x%llx)",    \
			    #a, #b, _a, _b);                                                       \
	})

#define EXPECT_STREQ(a, b)                                                                         \
	({                                                                                         \
		const char *_a = (a), *_b = (b);                                                   \
		test_report(_a &&_b && !strcmp(_a, _b), __FILE__, __LINE__,                        \
			    "%s == \"%s\" (got \"%s\")", #a, _b ? _b : "(null)",                   \
			    _a ? _a : "(null)");                                                   \
	})

/* x is a struct with nr_errors and errors[][96] (boot_info, acpi_info, dmar_info, cmdline). */
#define EXPECT_ERR(x, sub)                                                                         \
	test_expect_err((const char(*)[96])(x)->errors, (x)->nr_errors, sub, __FILE__, __LINE__)
#define EXPECT_NO_ERR(x)                                                                           \
	test_expect_no_err((const char(*)[96])(x)->errors, (x)->nr_errors, #x, __FILE__, __LINE__)

#endif
