/* Host unit-test runner: runs every TEST(), or those whose names start with an argument. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/assert.h"
#include "tests/host/test.h"

#define MAX_TESTS 512

static struct {
	const char *name;
	void (*fn)(void);
} tests[MAX_TESTS];
static unsigned int nr_tests, nr_checks, nr_fail, nr_skip;
static const char *cur = "main";

void test_register(const char *name, void (*fn)(void))
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "test_register: more than %d tests\n", MAX_TESTS);
		abort();
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	nr_tests++;
}

bool test_report(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	nr_checks++;
	printf("%s: %s: ", ok ? "PASS" : "FAIL", cur);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		nr_fail++;
		printf(" (%s:%d)", file, line);
	}
	printf("\n");
	return ok;
}

void test_skip(const char *why)
{
	nr_checks++;
	nr_skip++;
	printf("SKIP: %s: %s\n", cur, why);
}

bool test_expect_err(const char (*errs)[96], u32 nr, const char *sub, const char *file, int line)
{
	for (u32 i = 0; i < nr; i++)
		if (strstr(errs[i], sub))
			return test_report(true, file, line, "error reported: \"%s\"", errs[i]);
	test_report(false, file, line, "expected an error containing \"%s\"; %u recorded%s%s", sub,
		    nr, nr ? ", first: " : "", nr ? errs[0] : "");
	return false;
}

bool test_expect_no_err(const char (*errs)[96], u32 nr, const char *what, const char *file,
			int line)
{
	return test_report(nr == 0, file, line, "%s: no errors%s%s", what, nr ? "; first: " : "",
			   nr ? errs[0] : "");
}

static void finish(void)
{
	const char *res = nr_fail			      ? "FAILURE"
			  : nr_skip == nr_checks && nr_checks ? "SKIP"
			  : nr_checks			      ? "SUCCESS"
							      : "ERROR";

	printf("SUMMARY: %u tests, %u failures, %u skipped\n", nr_checks, nr_fail, nr_skip);
	printf("Test result: %s\n", res);
	fflush(stdout);
	exit(nr_fail || !nr_checks ? 1 : 0);
}

/* lib/assert.h's hook: a failed ASSERT in pure code under test ends the run as a failure. */
void assert_fail(const char *file, int line, const char *expr)
{
	printf("FAIL: %s: ASSERT(%s) failed at %s:%d\n", cur, expr, file, line);
	nr_checks++;
	nr_fail++;
	finish();
	__builtin_unreachable();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned int i = 0; i < nr_tests; i++) {
		bool selected = argc < 2;

		/* an argument selects the tests whose name starts with it: "mb2_", "acpi_valid" */
		for (int a = 1; a < argc; a++)
			selected |= !strncmp(argv[a], tests[i].name, strlen(argv[a]));
		if (!selected)
			continue;
		cur = tests[i].name;
		tests[i].fn();
	}
	cur = "main";
	finish();
}
