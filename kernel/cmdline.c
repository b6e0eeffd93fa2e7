/* Kernel command line parser (see cmdline.h for the grammar).  Pure C, host-tested. */
#include "kernel/cmdline.h"

#include "lib/compiler.h"
#include "lib/words.h"

static const char *const cmdline_builtin_keys[] = {
	"test", "sched_slice_us", "halt_poll_us", "smp", "loglevel", "pi", "watchdog_ms",
};

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

	while (klen < n && w[klen] != '=')
		klen++;
	if (klen == n) {
		cmdline_err(c, "malformed option (expected key=value):", w, n);
		return;
	}
	v = w + klen + 1;
	vlen = n - klen - 1;
	if (!klen) {
		cmdline_err(c, "malformed option (empty key):", w, n);
		return;
	}
	for (size_t i = 0; i < klen; i++) {
		if (!is_key_char(w[i])) {
			cmdline_err(c, "malformed option (bad character in key):", w, n);
			return;
		}
	}
	if (!vlen) {
		cmdline_err(c, "malformed option (empty value):", w, n);
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
	if (!s)
		return 0;
	while (word_next(&s, &w, &n)) {
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
	unsigned int base = 10;
	u64 x = 0;

	if (!v || !*v)
		return false;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && v[2]) {
		base = 16;
		v += 2;
	}
	for (; *v; v++) {
		unsigned int d;

		if (*v >= '0' && *v <= '9')
			d = (unsigned int)(*v - '0');
		else if (base == 16 && *v >= 'a' && *v <= 'f')
			d = (unsigned int)(*v - 'a' + 10);
		else if (base == 16 && *v >= 'A' && *v <= 'F')
			d = (unsigned int)(*v - 'A' + 10);
		else
			return false;
		if (x > (~0ull - d) / base)
			return false; /* overflow */
		x = x * base + d;
	}
	*out = x;
	return true;
}
