/*
 * printf's formatting for the kernel: %d %i %u %x %X %p %s %c %%, the
 * l/ll/z length modifiers, a field width, '-' (left-justify) and '0' (zero
 * padding), into a buffer.  kprintf (drivers/console.c) formats into one,
 * so each call reaches the console as one write.
 */
#include "kernel/kernel.h"
#include "lib/string.h"
#include "lib/printf.h"

struct out {
	char *buf;
	size_t size, len;	/* len counts what would have been written */
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

static void emit(struct out *o, const char *s, int n, int width, bool left, char padc)
{
	/* With zero padding a sign goes before the zeros: "-0042". */
	if (padc == '0' && n > 0 && *s == '-') {
		put(o, '-');
		s++, n--, width--;
	}
	if (!left)
		pad(o, padc, width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', width - n);
}

static int utoa(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;
	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return (int)(end - p);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char tmp[24];
	char *end = tmp + sizeof(tmp);

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char padc = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				padc = '0';
			else
				break;
		}
		if (left)
			padc = ' ';
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}

		int n;
		uint64_t u;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			n = utoa(end, u, 10, false);
			if (v < 0)
				end[-++n] = '-';
			emit(&o, end - n, n, width, left, padc);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			n = utoa(end, u, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			emit(&o, end - n, n, width, left, padc);
			break;
		case 'p':
			u = (uint64_t)va_arg(ap, void *);
			n = utoa(end, u, 16, false);
			end[-++n] = 'x';
			end[-++n] = '0';
			emit(&o, end - n, n, width, left, padc);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			emit(&o, s, (int)strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			emit(&o, tmp, 1, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:	/* unknown conversion: show it rather than guess */
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (size)
		buf[MIN(o.len, size - 1)] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
