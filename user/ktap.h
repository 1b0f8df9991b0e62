/*
 * ktap.h: a test program reports in KTAP version 1, the format of the
 * kernel's own tests (kernel/ktest.c) and of Linux's KUnit:
 *
 *	KTAP version 1
 *	1..3
 *	ok 1 write_returns_count
 *	# user/test-syscalls.c:52: getpid() = -38
 *	not ok 2 getpid_gettid
 *	ok 3 progs_lists_programs # SKIP not running on Kestrel
 *
 * The kernel runs each test program as one case of its `user` suite, prints
 * the "# Subtest:" line itself, and sets KTAP_INDENT=8 so that these lines
 * nest beneath it.  Diagnostics come before the result they explain.
 *
 * Each line leaves in a single write(2), never through stdio's buffer: when
 * a program crashes half-way, every result it reached is already out, and
 * the missing ones show where it died.
 */
#ifndef KESTREL_KTAP_H
#define KESTREL_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "lib/ktap.h"

static struct {
	int planned, done, failed;	/* cases */
	int case_failures;		/* expectations failed in the current case */
	int indent;
} ktap_;

/* Standard output, one write(2) per line, past short writes. */
static inline void ktap_write_(const char *s, size_t n)
{
	for (size_t off = 0; off < n; ) {
		ssize_t w = write(1, s + off, n - off);
		if (w <= 0)
			return;		/* nowhere left to report to */
		off += (size_t)w;
	}
}

/* Where this program's KTAP goes: lib/ktap.h's emitter, at KTAP_INDENT. */
static inline struct ktap_out ktap_out_(void)
{
	return (struct ktap_out){ .write = ktap_write_, .indent = (unsigned)ktap_.indent };
}

static inline void ktap_vline_(const char *fmt, va_list ap)
{
	char text[KTAP_LINE_MAX];
	struct ktap_out o = ktap_out_();

	vsnprintf(text, sizeof(text), fmt, ap);
	ktap_emit_line(&o, text);
}

/* One line at the document's indentation; "# ..." lines are diagnostics. */
__attribute__((format(printf, 1, 2)))
static inline void ktap_print(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ktap_vline_(fmt, ap);
	va_end(ap);
}

/* The indentation every line gets: for a program that writes its own. */
static inline int ktap_indent(void)
{
	return ktap_.indent;
}

/* The indentation the spawning test asked for (KTAP_INDENT), 0 to 64. */
static inline void ktap_set_indent_(void)
{
	const char *env = getenv("KTAP_INDENT");
	int indent = env ? atoi(env) : 0;

	ktap_.indent = indent < 0 ? 0 : indent > 64 ? 64 : indent;
}

/*
 * A diagnostic line ("# ..."), also from a child that prints no KTAP of
 * its own: it is indented like the test that spawned it.
 */
__attribute__((format(printf, 1, 2)))
static inline void ktap_note(const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	if (!ktap_.planned)
		ktap_set_indent_();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct ktap_out o = ktap_out_();
	ktap_emit_diag(&o, msg);
}

static inline void ktap_plan(int n)
{
	ktap_set_indent_();
	ktap_.planned = n;
	struct ktap_out o = ktap_out_();
	ktap_emit_plan(&o, NULL, (unsigned long)n);
}

/*
 * KTAP_EXPECT(cond, fmt, ...): if cond is false, print fmt as a diagnostic
 * and mark the current case failed.  It yields cond, so a case can stop
 * early:  if (!KTAP_EXPECT(p != NULL, "malloc failed")) return NULL;
 */
#define KTAP_EXPECT(cond, ...) ktap_expect_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static inline bool ktap_expect_(bool ok, const char *file, int line, const char *fmt, ...)
{
	if (ok)
		return true;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktap_print("# %s:%d: %s", file, line, msg);
	ktap_.case_failures++;
	return false;
}

/* End the current case: ok, or not ok if any expectation failed. */
static inline void ktap_result(const char *name)
{
	bool ok = ktap_.case_failures == 0;

	ktap_.done++;
	ktap_.failed += !ok;
	ktap_.case_failures = 0;
	struct ktap_out o = ktap_out_();
	ktap_emit_result(&o, ok, (unsigned long)ktap_.done, name, NULL);
}

/* End the current case as skipped; a failure seen before still counts. */
static inline void ktap_skip(const char *name, const char *reason)
{
	if (ktap_.case_failures) {
		ktap_result(name);
		return;
	}
	ktap_.done++;
	struct ktap_out o = ktap_out_();
	ktap_emit_skip(&o, (unsigned long)ktap_.done, name, reason);
}

/* The program's exit status: 0 iff every planned case ran and none failed. */
static inline int ktap_exit(void)
{
	if (ktap_.done != ktap_.planned)
		ktap_print("# planned %d cases, ran %d", ktap_.planned, ktap_.done);
	return ktap_.failed == 0 && ktap_.done == ktap_.planned ? 0 : 1;
}

/*
 * The usual shape of a test program: a table of cases, each a function
 * that returns NULL, or why it skipped.  ktap_run() plans, runs and reports
 * them in order and returns the exit status.
 */
struct ktap_case {
	const char *name;
	const char *(*run)(void);
};

#define KTAP_RUN(cases) ktap_run((cases), (int)(sizeof(cases) / sizeof((cases)[0])))

/* Run and report cases in order, for a program with more of its own. */
static inline void ktap_run_each(const struct ktap_case *cases, int n)
{
	for (int i = 0; i < n; i++) {
		const char *skip = cases[i].run();
		if (skip)
			ktap_skip(cases[i].name, skip);
		else
			ktap_result(cases[i].name);
	}
}

static inline int ktap_run(const struct ktap_case *cases, int n)
{
	ktap_plan(n);
	ktap_run_each(cases, n);
	return ktap_exit();
}

#endif
