/* Guest-module argument parser (grammar in vm_args.h).  Pure C: host and kernel flags. */
#include "vmboot/vm_args.h"

#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/fmt.h"
#include "lib/words.h"

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

/* The suffixes K, M, G are never hex digits, so "0x2b" is unambiguous (43 bytes). */
static u32 suffix_shift(char ch)
{
	switch (ch | 0x20) { /* ASCII lower case */
	case 'k':
		return 10;
	case 'm':
		return 20;
	case 'g':
		return 30;
	}
	return 0;
}

static bool span_size(const char *s, size_t n, u64 *out)
{
	u32 shift = n ? suffix_shift(s[n - 1]) : 0;
	u64 v;

	if (shift)
		n--;
	if (span_u64(s, n, &v) != SPAN_NUM_OK || (shift && v > (~0ull >> shift)))
		return false;
	*out = v << shift;
	return true;
}

bool vm_args_parse_size(const char *s, u64 *out)
{
	size_t n = 0;

	if (!s)
		return false;
	while (s[n])
		n++;
	return span_size(s, n, out);
}

#define ERR(a, ...)                                                                                \
	fmt_err_add(&(a)->errors[0][0], VM_ARGS_ERROR_LEN, &(a)->nr_errors, VM_ARGS_MAX_ERRORS,    \
		    &(a)->errors_dropped, __VA_ARGS__)

static bool valid_name(const char *s, size_t n)
{
	if (!n || n > VM_ARGS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* fmt.c has no "%s": words are quoted from a NUL-terminated copy, cut to what fits. */
static void span_str(char *buf, size_t size, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < size - 1; i++)
		buf[i] = s[i];
	buf[i] = 0;
}

static void set_name(struct vm_args *a, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a->name[i] = s[i];
	a->name[n] = 0;
}

/* The default name: "/boot/mod/hello.bin" -> "hello", if that is a valid name. */
static void name_from_path(struct vm_args *a, const char *p, size_t n)
{
	size_t base = 0, len = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '/')
			base = i + 1;
	while (base + len < n && p[base + len] != '.')
		len++;
	if (valid_name(p + base, len))
		set_name(a, p + base, len);
}

/* Records "<key>: given twice" and returns true if *given was already set; sets it. */
static bool twice(struct vm_args *a, bool *given, const char *w, size_t klen)
{
	char key[16];

	if (*given) {
		span_str(key, sizeof(key), w, klen);
		ERR(a, "%s: given twice", key);
		return true;
	}
	*given = true;
	return false;
}

/* One key=value word [w, w + n), no whitespace inside. */
static void vm_args_word(struct vm_args *a, const struct vm_args_limits *lim, const char *w,
			 size_t n)
{
	size_t klen = 0;
	const char *v;
	size_t vlen;
	u64 x;
	char word[VM_ARGS_ERROR_LEN];

	span_str(word, sizeof(word), w, n);
	while (klen < n && w[klen] != '=')
		klen++;
	if (klen == n || !klen) {
		ERR(a, "'%s': expected key=value (name, vcpus, mem, pin, watchdog_ms)", word);
		return;
	}
	v = w + klen + 1;
	vlen = n - klen - 1;
	if (!vlen) {
		ERR(a, "%s: empty value", word);
		return;
	}
	if (span_eq(w, klen, "name")) {
		if (twice(a, &a->name_given, w, klen))
			return;
		if (!valid_name(v, vlen))
			ERR(a, "%s: bad name (1-%u of A-Z a-z 0-9 _ -)", word, VM_ARGS_NAME_MAX);
		else
			set_name(a, v, vlen);
	} else if (span_eq(w, klen, "vcpus")) {
		if (twice(a, &a->vcpus_given, w, klen))
			return;
		if (span_u64(v, vlen, &x) != SPAN_NUM_OK)
			ERR(a, "%s: not a number", word);
		else if (x < 1 || x > lim->max_vcpus)
			ERR(a, "%s: vCPU count must be 1-%u", word, lim->max_vcpus);
		else
			a->nr_vcpus = (u32)x;
	} else if (span_eq(w, klen, "mem")) {
		if (twice(a, &a->mem_given, w, klen))
			return;
		if (!span_size(v, vlen, &x))
			ERR(a, "%s: not a size (bytes, or with K/M/G: mem=2M)", word);
		else if (!x || x % PAGE_SIZE)
			ERR(a, "%s: not a non-zero multiple of 4 KiB", word);
		else if (x > lim->max_mem)
			ERR(a, "%s: more than the %lu MiB a guest can map", word,
			    (unsigned long)(lim->max_mem >> 20));
		else
			a->mem_size = x;
	} else if (span_eq(w, klen, "pin")) {
		if (twice(a, &a->pin_given, w, klen))
			return;
		if (span_u64(v, vlen, &x) != SPAN_NUM_OK)
			ERR(a, "%s: not a number", word);
		else if (x >= lim->nr_pcpus)
			ERR(a, "%s: no such pCPU (%u online: 0-%u)", word, lim->nr_pcpus,
			    lim->nr_pcpus - 1);
		else
			a->pin = (u32)x;
	} else if (span_eq(w, klen, "watchdog_ms")) {
		if (twice(a, &a->watchdog_given, w, klen))
			return;
		if (span_u64(v, vlen, &x) != SPAN_NUM_OK)
			ERR(a, "%s: not a number", word);
		else if (x > lim->max_watchdog_ms)
			ERR(a, "%s: not in 0..%lu ms (0: no watchdog)", word,
			    (unsigned long)lim->max_watchdog_ms);
		else
			a->watchdog_ms = x;
	} else if (span_eq(w, klen, "vm")) {
		if (twice(a, &a->vm_given, w, klen))
			return;
		if (!valid_name(v, vlen))
			ERR(a, "%s: bad VM name (1-%u of A-Z a-z 0-9 _ -)", word, VM_ARGS_NAME_MAX);
		else
			span_str(a->vm, sizeof(a->vm), v, vlen);
	} else if (span_eq(w, klen, "boot")) {
		if (twice(a, &a->boot_given, w, klen))
			return;
		if (span_eq(v, vlen, "auto"))
			a->boot = IMAGE_AUTO;
		else if (span_eq(v, vlen, "flat"))
			a->boot = IMAGE_FLAT;
		else if (span_eq(v, vlen, "mb1"))
			a->boot = IMAGE_MB1;
		else if (span_eq(v, vlen, "mb2"))
			a->boot = IMAGE_MB2;
		else if (span_eq(v, vlen, "linux"))
			a->boot = IMAGE_LINUX;
		else
			ERR(a, "%s: want auto, flat, mb1, mb2 or linux", word);
	} else {
		ERR(a, "%s: unknown key (name, vcpus, mem, pin, watchdog_ms, boot, vm, --)", word);
	}
}

/* A module attached to a VM (vm=) carries no settings of its own VM. */
static void check_attached(struct vm_args *a)
{
	static const char *const keys[] = {"vcpus", "mem", "pin", "watchdog_ms", "boot"};
	const bool given[] = {a->vcpus_given, a->mem_given, a->pin_given, a->watchdog_given,
			      a->boot_given};

	for (u32 i = 0; i < ARRAY_SIZE(keys); i++)
		if (given[i])
			ERR(a, "%s= with vm=%s: a module of a VM has no VM settings", keys[i],
			    a->vm);
}

/* Everything after the word "--", leading blanks dropped, is the guest's own text. */
static void take_cmdline(struct vm_args *a, const char *s)
{
	size_t n = 0;

	while (word_is_space(*s))
		s++;
	while (s[n])
		n++;
	while (n && word_is_space(s[n - 1]))
		n--;
	if (n >= sizeof(a->cmdline))
		ERR(a, "the text after -- is %lu characters; at most %lu fit", (unsigned long)n,
		    (unsigned long)sizeof(a->cmdline) - 1);
	else
		span_str(a->cmdline, sizeof(a->cmdline), s, n);
	a->cmdline_given = true;
}

int vm_args_parse(const char *s, const struct vm_args_limits *lim, struct vm_args *a)
{
	u8 *b = (u8 *)a;
	bool first = true;
	const char *w;
	size_t n;

	for (size_t i = 0; i < sizeof(*a); i++)
		b[i] = 0;
	a->nr_vcpus = 1;
	if (!s)
		return 0;
	while (word_next(&s, &w, &n)) {
		bool dashes = n == 2 && w[0] == '-' && w[1] == '-';

		if (first && !dashes && !word_has_eq(w, n)) {
			first = false;
			if (!a->name_given)
				name_from_path(a, w, n);
			continue;
		}
		first = false;
		if (dashes) {
			take_cmdline(a, s);
			break;
		}
		vm_args_word(a, lim, w, n);
	}
	if (a->vm_given)
		check_attached(a);
	return (int)(a->nr_errors + a->errors_dropped);
}
