/*
 * The one KTAP emitter (KTAP version 1, Linux's
 * Documentation/dev-tools/ktap.rst): the kernel's test runner
 * (kernel/ktest.c), the user test programs (user/ktap.h) and the host
 * tests (tests/ktap.h) all print through it, so tools/ktest.py reads one
 * dialect.  Header-only and freestanding, so that a musl program, a host
 * program and the kernel compile the same lines; the caller gives the
 * function that writes bytes and the indentation of its level.
 */
#ifndef LIB_KTAP_H
#define LIB_KTAP_H

#include <stdbool.h>
#include <stddef.h>

struct ktap_out {
	void (*write)(const char *s, size_t n);
	unsigned indent;		/* spaces before every line: 4 per nesting level */
};

#define KTAP_LINE_MAX 512

struct ktap_line_ { char b[KTAP_LINE_MAX]; size_t n; };

static inline void ktap_put_(struct ktap_line_ *l, const char *s)
{
	while (*s && l->n < KTAP_LINE_MAX - 1)	/* a long line is cut, never its newline */
		l->b[l->n++] = *s++;
}

static inline void ktap_put_num_(struct ktap_line_ *l, unsigned long v)
{
	char d[24];
	int i = sizeof(d) - 1;
	d[i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	ktap_put_(l, d + i);
}

static inline void ktap_begin_(const struct ktap_out *o, struct ktap_line_ *l)
{
	l->n = 0;
	for (unsigned i = 0; i < o->indent && l->n < KTAP_LINE_MAX / 2; i++)
		l->b[l->n++] = ' ';
}

static inline void ktap_end_(const struct ktap_out *o, struct ktap_line_ *l)
{
	l->b[l->n++] = '\n';
	o->write(l->b, l->n);
}

/* Any line at o's indentation (text without its newline). */
static inline void ktap_emit_line(const struct ktap_out *o, const char *text)
{
	struct ktap_line_ l;
	ktap_begin_(o, &l);
	ktap_put_(&l, text);
	ktap_end_(o, &l);
}

/* "# text": a diagnostic, printed before the result it explains. */
static inline void ktap_emit_diag(const struct ktap_out *o, const char *text)
{
	struct ktap_line_ l;
	ktap_begin_(o, &l);
	ktap_put_(&l, "# ");
	ktap_put_(&l, text);
	ktap_end_(o, &l);
}

/* The header of a document or nested subtest: version, name, plan. */
static inline void ktap_emit_plan(const struct ktap_out *o, const char *subtest, unsigned long n)
{
	struct ktap_line_ l;
	ktap_emit_line(o, "KTAP version 1");
	if (subtest) {
		ktap_begin_(o, &l);
		ktap_put_(&l, "# Subtest: ");
		ktap_put_(&l, subtest);
		ktap_end_(o, &l);
	}
	ktap_begin_(o, &l);
	ktap_put_(&l, "1..");
	ktap_put_num_(&l, n);
	ktap_end_(o, &l);
}

/* "ok N name", "not ok N name", with " # directive" if one is given. */
static inline void ktap_emit_result(const struct ktap_out *o, bool ok, unsigned long n,
				    const char *name, const char *directive)
{
	struct ktap_line_ l;
	ktap_begin_(o, &l);
	ktap_put_(&l, ok ? "ok " : "not ok ");
	ktap_put_num_(&l, n);
	ktap_put_(&l, " ");
	ktap_put_(&l, name);
	if (directive) {
		ktap_put_(&l, " # ");
		ktap_put_(&l, directive);
	}
	ktap_end_(o, &l);
}

/* "ok N name # SKIP reason". */
static inline void ktap_emit_skip(const struct ktap_out *o, unsigned long n, const char *name,
				  const char *reason)
{
	struct ktap_line_ l;
	ktap_begin_(o, &l);
	ktap_put_(&l, "ok ");
	ktap_put_num_(&l, n);
	ktap_put_(&l, " ");
	ktap_put_(&l, name);
	ktap_put_(&l, " # SKIP ");
	ktap_put_(&l, reason);
	ktap_end_(o, &l);
}

#endif
