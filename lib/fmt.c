#include "lib/fmt.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void emit_str(struct out *o, const char *s, int width, int prec, bool left)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (prec < 0 || n < prec))
		n++;
	if (!left)
		pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', width - n);
}

static void emit_num(struct out *o, u64 v, bool neg, unsigned base, bool upper, int width,
		     bool left, bool zero, const char *prefix)
{
	char tmp[24];
	int n = 0, plen = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	while (prefix[plen])
		plen++;
	int total = n + plen + (neg ? 1 : 0);
	if (!left && !zero)
		pad(o, ' ', width - total);
	if (neg)
		put(o, '-');
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!left && zero)
		pad(o, '0', width - total);
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - total);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		bool left = false, zero = false, alt = false;
		int width = 0, prec = -1, lng = 0;
		for (;; p++) {
			if (p[1] == '-')
				left = true;
			else if (p[1] == '0')
				zero = true;
			else if (p[1] == '#')
				alt = true;
			else
				break;
		}
		if (p[1] == '*') {
			width = va_arg(ap, int);
			p++;
		}
		while (p[1] >= '0' && p[1] <= '9')
			width = width * 10 + (*++p - '0');
		if (p[1] == '.') {
			p++;
			prec = 0;
			while (p[1] >= '0' && p[1] <= '9')
				prec = prec * 10 + (*++p - '0');
		}
		for (;;) {
			if (p[1] == 'l' || p[1] == 'z') {
				lng = lng < 2 ? lng + 1 : 2;
				if (p[1] == 'z')
					lng = 2;
				p++;
			} else if (p[1] == 'h') {
				lng = lng > -2 ? lng - 1 : -2;
				p++;
			} else {
				break;
			}
		}
		char c = *++p;
		if (!c)
			break;
		u64 uv;
		s64 sv;
		switch (c) {
		case 'd':
		case 'i':
			sv = lng >= 1 ? va_arg(ap, long) : va_arg(ap, int);
			if (lng == -1)
				sv = (short)sv;
			else if (lng == -2)
				sv = (signed char)sv;
			uv = sv < 0 ? -(u64)sv : (u64)sv;
			emit_num(&o, uv, sv < 0, 10, false, width, left, zero, "");
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			uv = lng >= 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (lng == -1)
				uv = (unsigned short)uv;
			else if (lng == -2)
				uv = (unsigned char)uv;
			if (c == 'u')
				emit_num(&o, uv, false, 10, false, width, left, zero, "");
			else if (c == 'o')
				emit_num(&o, uv, false, 8, false, width, left, zero,
					 alt ? "0" : "");
			else
				emit_num(&o, uv, false, 16, c == 'X', width, left, zero,
					 alt && uv ? (c == 'X' ? "0X" : "0x") : "");
			break;
		case 'p':
			uv = (u64)(unsigned long)va_arg(ap, void *);
			emit_num(&o, uv, false, 16, false, width, left, zero, "0x");
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's':
			emit_str(&o, va_arg(ap, const char *), width, prec, left);
			break;
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it verbatim so the mistake is visible */
			put(&o, '%');
			put(&o, c);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void fmt_err_vadd(char *errs, size_t len, u32 *nr, u32 max, u32 *dropped, const char *fmt,
		  va_list ap)
{
	if (*nr >= max) {
		(*dropped)++;
		return;
	}
	fmt_vsnprintf(errs + (size_t)(*nr)++ * len, len, fmt, ap);
}

void fmt_err_add(char *errs, size_t len, u32 *nr, u32 max, u32 *dropped, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_err_vadd(errs, len, nr, max, dropped, fmt, ap);
	va_end(ap);
}
