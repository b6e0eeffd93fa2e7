/* kernel/cmdline.c: key=value options, unknown and malformed ones reported and ignored. */
#include <stdio.h>

#include "kernel/cmdline.h"
#include "tests/host/test.h"

TEST(cmdline_valid)
{
	struct cmdline c;
	u64 v = 0;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("test=smoke\tsmp=4\n loglevel=0x7  sched_slice_us=500", &c), 0);
	EXPECT_NO_ERR(&c);
	EXPECT_EQ(c.nr_opts, 4);
	EXPECT_STREQ(cmdline_get(&c, "test"), "smoke");
	EXPECT_STREQ(cmdline_get(&c, "smp"), "4");
	EXPECT_TRUE(cmdline_get(&c, "halt_poll_us") == NULL);
	EXPECT_TRUE(cmdline_get_u64(&c, "loglevel", &v) && v == 7);
	EXPECT_TRUE(cmdline_get_u64(&c, "sched_slice_us", &v) && v == 500);
	EXPECT_TRUE(!cmdline_get_u64(&c, "test", &v) && v == 500);
	EXPECT_TRUE(!cmdline_get_u64(&c, "halt_poll_us", &v));
}

TEST(cmdline_empty)
{
	struct cmdline c;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("", &c), 0);
	EXPECT_EQ(c.nr_opts, 0);
	EXPECT_EQ(cmdline_parse(NULL, &c), 0);
	EXPECT_EQ(cmdline_parse(" \t\n ", &c), 0);
	EXPECT_EQ(c.nr_opts, 0);
	EXPECT_NO_ERR(&c);
	EXPECT_TRUE(cmdline_get(&c, "test") == NULL);
}

/* A zeroed (never initialised) table still knows the built-in keys. */
TEST(cmdline_uninitialised)
{
	struct cmdline c = {0};

	EXPECT_EQ(cmdline_parse("test=x", &c), 0);
	EXPECT_STREQ(cmdline_get(&c, "test"), "x");
}

TEST(cmdline_unknown_option)
{
	struct cmdline c;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("test=a foo=1 smp=2", &c), 1);
	EXPECT_ERR(&c, "unknown option, ignored: 'foo=1'");
	EXPECT_STREQ(cmdline_get(&c, "test"), "a");
	EXPECT_STREQ(cmdline_get(&c, "smp"), "2");
	EXPECT_TRUE(cmdline_get(&c, "foo") == NULL);
}

TEST(cmdline_malformed_option)
{
	struct cmdline c;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("test=a verbose =5 smp= Test=1 lo-glevel=3 loglevel=3", &c), 5);
	EXPECT_ERR(&c, "expected key=value): 'verbose'");
	EXPECT_ERR(&c, "empty key): '=5'");
	EXPECT_ERR(&c, "empty value): 'smp='");
	EXPECT_ERR(&c, "bad character in key): 'Test=1'");
	EXPECT_EQ(c.nr_errors, 4);
	EXPECT_EQ(c.errors_dropped, 1);
	EXPECT_STREQ(cmdline_get(&c, "test"), "a");
	EXPECT_STREQ(cmdline_get(&c, "loglevel"), "3");
	EXPECT_TRUE(cmdline_get(&c, "smp") == NULL);
}

/* QEMU -kernel puts the image name first; a first word without '=' is skipped silently. */
TEST(cmdline_image_path_first)
{
	struct cmdline c;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("build/pihv.elf test=boot", &c), 0);
	EXPECT_STREQ(cmdline_get(&c, "test"), "boot");
	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("  pihv test=boot extra", &c), 1);
	EXPECT_ERR(&c, "'extra'");
	EXPECT_STREQ(cmdline_get(&c, "test"), "boot");
}

TEST(cmdline_repeat_and_long)
{
	struct cmdline c;
	char line[200];

	cmdline_init(&c);
	memset(line, 0, sizeof(line));
	strcpy(line, "test=one test=two smp=");
	memset(line + strlen(line), '9', 100);
	EXPECT_EQ(cmdline_parse(line, &c), 1);
	EXPECT_ERR(&c, "value too long");
	EXPECT_TRUE(strlen(c.errors[0]) < sizeof(c.errors[0]));
	EXPECT_EQ(c.nr_opts, 1);
	EXPECT_STREQ(cmdline_get(&c, "test"), "two");
}

TEST(cmdline_register_keys)
{
	static const char *const keys[] = {"k0",  "k1",	 "k2",	"k3",  "k4",  "k5",  "k6",
					   "k7",  "k8",	 "k9",	"k10", "k11", "k12", "k13",
					   "k14", "k15", "k16", "k17", "k18", "k19"};
	struct cmdline c;
	char line[400] = "";
	unsigned int ok = 0;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_register(&c, "guest"), 0);
	EXPECT_EQ(cmdline_register(&c, ""), -1);
	EXPECT_EQ(cmdline_register(&c, "Bad-Key"), -1);
	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
		ok += cmdline_register(&c, keys[i]) == 0;
	EXPECT_EQ(c.nr_known, CMDLINE_MAX_KNOWN);
	EXPECT_EQ(ok, CMDLINE_MAX_KNOWN - 9); /* 8 built-in keys + "guest" */
	EXPECT_EQ(cmdline_parse("guest=vipi", &c), 0);
	EXPECT_STREQ(cmdline_get(&c, "guest"), "vipi");
	for (unsigned int i = 0; i < 17; i++)
		sprintf(line + strlen(line), "k%u=%u ", i, i);
	EXPECT_EQ(cmdline_parse(line, &c), 2);
	EXPECT_ERR(&c, "too many options, ignored: 'k15=15'");
	EXPECT_EQ(c.nr_opts, CMDLINE_MAX_OPTS);
	EXPECT_STREQ(cmdline_get(&c, "k14"), "14");
}

TEST(cmdline_numbers)
{
	struct cmdline c;
	u64 v = 42;

	cmdline_init(&c);
	cmdline_parse("smp=0x 8 loglevel=18446744073709551616 test=0xffffffffffffffff "
		      "halt_poll_us=12a",
		      &c);
	EXPECT_TRUE(!cmdline_get_u64(&c, "smp", &v) && v == 42);
	EXPECT_TRUE(!cmdline_get_u64(&c, "loglevel", &v) && v == 42);
	EXPECT_TRUE(cmdline_get_u64(&c, "test", &v) && v == ~0ull);
	EXPECT_TRUE(!cmdline_get_u64(&c, "halt_poll_us", &v));
}

/* Every built-in numeric option: its bounds are accepted, one past them is refused. */
TEST(cmdline_num_ranges)
{
	static const char *const keys[] = {"sched_slice_us", "halt_poll_us", "watchdog_ms", "smp",
					   "loglevel"};
	char line[128];

	for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct cmdline_num *r = cmdline_num_find(keys[i]);
		struct cmdline c;
		u64 v = 0;

		if (!EXPECT_TRUE(r != NULL))
			continue;
		cmdline_init(&c);
		snprintf(line, sizeof(line), "%s=%llu", keys[i], (unsigned long long)r->min);
		EXPECT_EQ(cmdline_parse(line, &c), 0);
		EXPECT_TRUE(cmdline_get_u64(&c, keys[i], &v) && v == r->min);
		snprintf(line, sizeof(line), "%s=%#llx", keys[i], (unsigned long long)r->max);
		EXPECT_EQ(cmdline_parse(line, &c), 0);
		EXPECT_TRUE(cmdline_get_u64(&c, keys[i], &v) && v == r->max);

		/* one past the top: refused, and the earlier valid value stays */
		cmdline_init(&c);
		snprintf(line, sizeof(line), "%s=%llu %s=%llu", keys[i], (unsigned long long)r->min,
			 keys[i], (unsigned long long)r->max + 1);
		EXPECT_EQ(cmdline_parse(line, &c), 1);
		snprintf(line, sizeof(line), "%s=%llu: not in %llu..%llu, ignored", keys[i],
			 (unsigned long long)r->max + 1, (unsigned long long)r->min,
			 (unsigned long long)r->max);
		EXPECT_ERR(&c, line);
		EXPECT_TRUE(cmdline_get_u64(&c, keys[i], &v) && v == r->min);
		if (r->min) {
			cmdline_init(&c);
			snprintf(line, sizeof(line), "%s=%llu", keys[i],
				 (unsigned long long)r->min - 1);
			EXPECT_EQ(cmdline_parse(line, &c), 1);
			EXPECT_ERR(&c, ": not in ");
			EXPECT_TRUE(cmdline_get(&c, keys[i]) == NULL);
		}
	}
	EXPECT_TRUE(cmdline_num_find("test") == NULL);
	EXPECT_TRUE(cmdline_num_find("pi") == NULL);
	EXPECT_TRUE(cmdline_num_find("watchdog") == NULL);
}

/* Not a number, too big for 64 bits, out of range: one line each, the default stays. */
TEST(cmdline_num_rejects)
{
	struct cmdline c;
	u64 v = 7;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("watchdog_ms=abc halt_poll_us=18446744073709551616 "
				"sched_slice_us=0 smp=0x",
				&c),
		  4);
	EXPECT_ERR(&c, "watchdog_ms=abc: not a number, ignored");
	EXPECT_ERR(&c, "halt_poll_us=18446744073709551616: does not fit in 64 bits, ignored");
	EXPECT_ERR(&c, "sched_slice_us=0: not in 1..1000000, ignored");
	EXPECT_ERR(&c, "smp=0x: not a number, ignored");
	EXPECT_EQ(c.nr_opts, 0);
	EXPECT_TRUE(!cmdline_get_u64(&c, "watchdog_ms", &v) && v == 7);

	/* the overflow that ms * 1000 used to hit in the watchdog */
	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("watchdog_ms=18446744073709551 smp=-1 loglevel=+3", &c), 3);
	EXPECT_ERR(&c, "watchdog_ms=18446744073709551: not in 0..86400000, ignored");
	EXPECT_ERR(&c, "smp=-1: not a number");
	EXPECT_ERR(&c, "loglevel=+3: not a number");
	EXPECT_EQ(c.nr_opts, 0);
}

/* watchdog_ms=0 is valid: it turns the run watchdog off (vm/watchdog.c, docs/cmdline.md). */
TEST(cmdline_num_zero_means_off)
{
	struct cmdline c;
	u64 v = 1;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("watchdog_ms=0 halt_poll_us=0x0", &c), 0);
	EXPECT_TRUE(cmdline_get_u64(&c, "watchdog_ms", &v) && v == 0);
	v = 1;
	EXPECT_TRUE(cmdline_get_u64(&c, "halt_poll_us", &v) && v == 0);
}

/* A long bad value is quoted cut, so the message still says what was ignored and why. */
TEST(cmdline_num_long_value)
{
	struct cmdline c;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("sched_slice_us=123456789012345678901234567890123456789x", &c), 1);
	EXPECT_ERR(&c, "sched_slice_us=123456789012345678901234..: not a number, ignored");
	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("sched_slice_us=0x00000000000000000000000000000000000001", &c), 0);
	EXPECT_STREQ(cmdline_get(&c, "sched_slice_us"), "0x00000000000000000000000000000000000001");
}

/*
 * Found by tests/fuzz/fuzz_cmdline.c: parsing a NULL string into a table that already held
 * problems returned 0, though the return value is "the number of problems recorded".
 */
TEST(cmdline_parse_null_counts)
{
	struct cmdline c;

	cmdline_init(&c);
	EXPECT_EQ(cmdline_parse("bogus=1 test=a", &c), 1);
	EXPECT_EQ(cmdline_parse(NULL, &c), 1);
	EXPECT_EQ(cmdline_parse("", &c), 1);
	EXPECT_STREQ(cmdline_get(&c, "test"), "a");
}
