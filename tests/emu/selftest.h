/*
 * INTERFACE: the in-hypervisor test protocol (docs/testing.md).  Lines:
 *   PASS: <prefixes>: <msg>   FAIL: ...   SKIP: ...
 *   SUMMARY: <n> tests, <f> failures, <s> skipped
 *   Test result: SUCCESS|SKIP|FAILURE|ERROR      (worst wins)
 *   EXIT: STATUS=<(code << 1) | 1>
 * Safe to call from any CPU.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include "lib/compiler.h"
#include "lib/types.h"

enum test_status { TEST_SUCCESS = 0x10, TEST_FAILURE = 0x11, TEST_SKIP = 0x12, TEST_ERROR = 0x13 };

bool report(bool pass, const char *fmt, ...) __printf(2, 3);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
void report_prefix_push(const char *p);
void report_prefix_pop(void);
unsigned report_failures(void);
/* Prints SUMMARY and the result line, then ends the run. */
__noreturn void test_finish(void);
/* Ends the run as ERROR (after a panic or exception report). */
__noreturn void test_finish_error(void);

/* In-kernel tests, selected with test=NAME; cases register with KTEST(name, fn). */
struct ktest {
	const char *name;
	void (*fn)(void);
	const char *help;
};
#define KTEST(n, f, h)                                                                             \
	static const struct ktest __ktest_##f __used __section(".ktests") __aligned(8) = {n, f, h}
const struct ktest *ktest_find(const char *name);
void ktest_list(void);

#endif
