#include "tests/emu/selftest.h"
#include "arch/x86/cpu.h"
#include "arch/x86/power.h"
#include "arch/x86/spinlock.h"
#include "lib/fmt.h"
#include "lib/printk.h"
#include "lib/string.h"

#define MAX_PREFIX 160

/* Protects the counters and the prefix stack; IRQ-safe because timer handlers may report. */
static struct spinlock report_lock = SPINLOCK_INIT("report", SPIN_IRQSAFE);
static unsigned n_tests, n_fail, n_skip;
static char prefix[MAX_PREFIX];

static void line(const char *kind, const char *fmt, va_list ap)
{
	char msg[320];
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	printk("%s: %s%s\n", kind, prefix, msg);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;
	unsigned long f = spin_lock_irqsave(&report_lock);

	n_tests++;
	if (!pass)
		n_fail++;
	va_start(ap, fmt);
	line(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	spin_unlock_irqrestore(&report_lock, f);
	return pass;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;
	unsigned long f = spin_lock_irqsave(&report_lock);

	n_tests++;
	n_skip++;
	va_start(ap, fmt);
	line("SKIP", fmt, ap);
	va_end(ap);
	spin_unlock_irqrestore(&report_lock, f);
}

void report_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line("INFO", fmt, ap);
	va_end(ap);
}

void report_prefix_push(const char *p)
{
	unsigned long f = spin_lock_irqsave(&report_lock);
	size_t n = strlen(prefix);
	fmt_snprintf(prefix + n, sizeof(prefix) - n, "%s: ", p);
	spin_unlock_irqrestore(&report_lock, f);
}

void report_prefix_pop(void)
{
	unsigned long f = spin_lock_irqsave(&report_lock);
	size_t n = strlen(prefix);
	/* drop the last "name: " */
	if (n >= 2) {
		n -= 2;
		while (n > 0 && !(prefix[n - 1] == ' ' && n >= 2 && prefix[n - 2] == ':'))
			n--;
		prefix[n] = 0;
	}
	spin_unlock_irqrestore(&report_lock, f);
}

unsigned report_failures(void)
{
	return n_fail;
}

static __noreturn void finish(enum test_status st)
{
	static const char *const names[] = {"SUCCESS", "FAILURE", "SKIP", "ERROR"};
	printk("Test result: %s\n", names[st - TEST_SUCCESS]);
	printk("EXIT: STATUS=%d\n", (st << 1) | 1);
	machine_exit(st);
}

__noreturn void test_finish(void)
{
	enum test_status st;

	printk("SUMMARY: %u tests, %u failures, %u skipped\n", n_tests, n_fail, n_skip);
	if (n_fail)
		st = TEST_FAILURE;
	else if (n_tests == 0 || n_skip == n_tests)
		st = TEST_SKIP;
	else
		st = TEST_SUCCESS;
	finish(st);
}

__noreturn void test_finish_error(void)
{
	printk("SUMMARY: %u tests, %u failures, %u skipped\n", n_tests, n_fail, n_skip);
	finish(TEST_ERROR);
}

extern const struct ktest __ktests_start[], __ktests_end[];

const struct ktest *ktest_find(const char *name)
{
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

void ktest_list(void)
{
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		printk("  test=%-24s %s\n", t->name, t->help);
}
