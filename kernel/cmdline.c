/* Kernel command line parser (see cmdline.h for the grammar).  Pure C, host-tested. */
#include "kernel/cmdline.h"

#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/fmt.h"
#include "lib/words.h"

static const char *const cmdline_builtin_keys[] = {
	"test", "sched_slice_us", "halt_poll_us",      "smp", "loglevel",
	"pi",	"watchdog_ms",	  "vmx_preempt_timer",
};

/*
 * Ranges of the numeric options (docs/cmdline.md).  The upper bounds keep every later
 * conversion (ms -> us -> TSC ticks) far from overflowing: 1 day in microseconds times a
 * 10 GHz TSC is below 2^60.
 */
static const struct cmdline_num cmdline_nums[] = {
	{"sched_slice_us", 1, 1000000}, /* 1 us .. 1 s */
	{"halt_poll_us", 0, 1000000},	/* 0: no polling */
	{"watchdog_ms", 0, 86400000},	/* 0: no watchdog; at most one day */
	{"smp", 1, MAX_CPUS},		/* CPUs to bring up */
	{"loglevel", 0, 7},
	{"trace_buf", 64, 1048576},	/* trace records per pCPU (32 bytes each) */
	{"trace_exits", 1, 0xffffffff}, /* record one VM exit in N */
};

/* Longest piece of a rejected value quoted in its message (CMDLINE_ERROR_LEN must hold it). */
#define CMDLINE_QUOTE_MAX 24

/* Keys are [a-z0-9_]+, like the ones we register. */
static bool is_key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void span_copy(char *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = s[i];
	dst[n] = 0;
}

/* errors[i] = what + " '" + word (cut to fit) + "'" */
static void cmdline_err(struct cmdline *c, const char *what, const char *word, size_t n)
{
	char *buf;
	size_t len = 0;
	const size_t quoted_max = CMDLINE_ERROR_LEN - 8;

	if (c->nr_errors >= CMDLINE_MAX_ERRORS) {
		c->errors_dropped++;
		return;
	}
	buf = c->errors[c->nr_errors++];
	while (*what && len < quoted_max)
		buf[len++] = *what++;
	buf[len++] = ' ';
	buf[len++] = '\'';
	size_t i;

	for (i = 0; i < n && len < quoted_max; i++)
		buf[len++] = word[i];
	if (i < n) {
		buf[len++] = '.';
		buf[len++] = '.';
	}
	buf[len++] = '\'';
	buf[len] = 0;
}

void cmdline_init(struct cmdline *c)
{
	u8 *b = (u8 *)c;

	for (size_t i = 0; i < sizeof(*c); i++)
		b[i] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_builtin_keys); i++)
		c->known[c->nr_known++] = cmdline_builtin_keys[i];
}

int cmdline_register(struct cmdline *c, const char *key)
{
	size_t n = 0;

	while (key[n] && is_key_char(key[n]))
		n++;
	if (!n || key[n] || n >= CMDLINE_KEY_LEN || c->nr_known >= CMDLINE_MAX_KNOWN)
		return -1;
	c->known[c->nr_known++] = key;
	return 0;
}

const struct cmdline_num *cmdline_num_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_nums); i++)
		if (str_eq(cmdline_nums[i].key, key))
			return &cmdline_nums[i];
	return NULL;
}

static const struct cmdline_num *cmdline_num_span(const char *key, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_nums); i++)
		if (span_eq(key, n, cmdline_nums[i].key))
			return &cmdline_nums[i];
	return NULL;
}

#define NUM_ERR(c, ...)                                                                            \
	fmt_err_add(&(c)->errors[0][0], CMDLINE_ERROR_LEN, &(c)->nr_errors, CMDLINE_MAX_ERRORS,    \
		    &(c)->errors_dropped, __VA_ARGS__)

/* A numeric option's value: in range, or one message and false (the option is then dropped). */
static bool cmdline_num_ok(struct cmdline *c, const struct cmdline_num *num, const char *v,
			   size_t vlen)
{
	char q[CMDLINE_QUOTE_MAX + 3]; /* the value, cut to fit with "..", for the message */
	size_t i;
	u64 x = 0;

	for (i = 0; i < vlen && i < CMDLINE_QUOTE_MAX; i++)
		q[i] = v[i];
	if (i < vlen)
		q[i++] = '.', q[i++] = '.';
	q[i] = 0;
	switch (span_u64(v, vlen, &x)) {
	case SPAN_NUM_NAN:
		NUM_ERR(c, "%s=%s: not a number, ignored", num->key, q);
		return false;
	case SPAN_NUM_OVERFLOW:
		NUM_ERR(c, "%s=%s: does not fit in 64 bits, ignored", num->key, q);
		return false;
	case SPAN_NUM_OK:
		break;
	}
	if (x < num->min || x > num->max) {
		NUM_ERR(c, "%s=%s: not in %lu..%lu, ignored", num->key, q, num->min, num->max);
		return false;
	}
	return true;
}

static bool cmdline_is_known(const struct cmdline *c, const char *key, size_t n)
{
	for (u32 i = 0; i < c->nr_known; i++)
		if (span_eq(key, n, c->known[i]))
			return true;
	return false;
}

/* One word [w, w + n) that contains no whitespace. */
static void cmdline_word(struct cmdline *c, const char *w, size_t n)
{
	size_t klen = 0, vlen;
	const char *v;
	struct cmdline_opt *o = NULL;
	const struct cmdline_num *num;

	while (klen < n && w[klen] != '=')
		klen++;
	if (klen == n) {
		cmdline_err(c, "malformed option, ignored (expected key=value):", w, n);
		return;
	}
	v = w + klen + 1;
	vlen = n - klen - 1;
	if (!klen) {
		cmdline_err(c, "malformed option, ignored (empty key):", w, n);
		return;
	}
	for (size_t i = 0; i < klen; i++) {
		if (!is_key_char(w[i])) {
			cmdline_err(c, "malformed option, ignored (bad character in key):", w, n);
			return;
		}
	}
	if (!vlen) {
		cmdline_err(c, "malformed option, ignored (empty value):", w, n);
		return;
	}
	if (!cmdline_is_known(c, w, klen)) {
		cmdline_err(c, "unknown option, ignored:", w, n);
		return;
	}
	if (vlen >= CMDLINE_VAL_LEN) {
		cmdline_err(c, "option value too long, ignored:", w, n);
		return;
	}
	num = cmdline_num_span(w, klen);
	if (num && !cmdline_num_ok(c, num, v, vlen))
		return;
	for (u32 i = 0; i < c->nr_opts; i++)
		if (span_eq(w, klen, c->opts[i].key))
			o = &c->opts[i]; /* repeated key: the last one wins */
	if (!o) {
		if (c->nr_opts >= CMDLINE_MAX_OPTS) {
			cmdline_err(c, "too many options, ignored:", w, n);
			return;
		}
		o = &c->opts[c->nr_opts++];
		/* known keys are shorter than CMDLINE_KEY_LEN (cmdline_register checks) */
		span_copy(o->key, w, klen < CMDLINE_KEY_LEN ? klen : CMDLINE_KEY_LEN - 1);
	}
	span_copy(o->val, v, vlen);
}

int cmdline_parse(const char *s, struct cmdline *c)
{
	bool first = true;
	const char *w;
	size_t n;

	if (!c->nr_known)
		cmdline_init(c);
	while (s && word_next(&s, &w, &n)) {		 /* NULL: nothing to add, still the count */
		bool path = first && !word_has_eq(w, n); /* the image path some loaders put first */

		first = false;
		if (!path)
			cmdline_word(c, w, n);
	}
	return (int)(c->nr_errors + c->errors_dropped);
}

const char *cmdline_get(const struct cmdline *c, const char *key)
{
	for (u32 i = 0; i < c->nr_opts; i++)
		if (str_eq(c->opts[i].key, key))
			return c->opts[i].val;
	return NULL;
}

bool cmdline_get_u64(const struct cmdline *c, const char *key, u64 *out)
{
	const char *v = cmdline_get(c, key);
	size_t n = 0;

	if (!v)
		return false;
	while (v[n])
		n++;
	return span_u64(v, n, out) == SPAN_NUM_OK;
}
