/*
 * kernel/cmdline.c on any command line: the input up to its first NUL is parsed the way
 * kernel_main does (built-in keys plus "apic"), the rest after that NUL is merged in as a
 * second string.  Every stored option must be a known key with a non-empty value, and every
 * built-in numeric option that was stored must read back as a number in its range.
 */
#include "kernel/cmdline.h"
#include "tests/fuzz/fuzz.h"

static const char *const numeric[] = {"sched_slice_us", "halt_poll_us", "watchdog_ms", "smp",
				      "loglevel"};

static bool known(const struct cmdline *c, const char *key)
{
	for (u32 i = 0; i < c->nr_known; i++)
		if (!strcmp(c->known[i], key))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct cmdline c;
	size_t first = strnlen((const char *)data, size);
	char *a = fuzz_string(data, size);
	char *b = first < size ? fuzz_string(data + first + 1, size - first - 1) : NULL;
	int r;

	cmdline_init(&c);
	FUZZ_CHECK(cmdline_register(&c, "apic") == 0, "apic not registered");
	r = cmdline_parse(a, &c);
	r = cmdline_parse(b, &c);
	FUZZ_CHECK(r == (int)(c.nr_errors + c.errors_dropped), "returned %d", r);
	FUZZ_CHECK_ERRORS(&c, CMDLINE_MAX_ERRORS);
	FUZZ_CHECK(c.nr_opts <= CMDLINE_MAX_OPTS, "%u options", c.nr_opts);
	for (u32 i = 0; i < c.nr_opts; i++) {
		const struct cmdline_opt *o = &c.opts[i];

		FUZZ_CHECK(fuzz_terminated(o->key, sizeof(o->key)) &&
				   fuzz_terminated(o->val, sizeof(o->val)),
			   "option %u unterminated", i);
		FUZZ_CHECK(known(&c, o->key) && o->val[0], "option %u '%s'='%s'", i, o->key,
			   o->val);
		for (u32 j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(o->key, c.opts[j].key), "key '%s' stored twice", o->key);
		FUZZ_CHECK(cmdline_get(&c, o->key) == o->val, "lookup of '%s'", o->key);
		FUZZ_CHECK(!strpbrk(o->val, " \t\r\n"), "'%s' holds blanks", o->val);
	}
	for (size_t i = 0; i < ARRAY_SIZE(numeric); i++) {
		const struct cmdline_num *num = cmdline_num_find(numeric[i]);
		const char *v = cmdline_get(&c, numeric[i]);
		u64 x;

		FUZZ_CHECK(num, "%s has no range", numeric[i]);
		if (!v)
			continue;
		FUZZ_CHECK(cmdline_get_u64(&c, numeric[i], &x), "%s=%s stored, not a number",
			   numeric[i], v);
		FUZZ_CHECK(x >= num->min && x <= num->max, "%s=%s stored, out of range", numeric[i],
			   v);
	}
	free(a);
	free(b);
	return 0;
}
