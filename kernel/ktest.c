/*
 * The test runner.  Output follows KTAP version 1, as Linux's KUnit prints
 * it: a top-level plan over suites, each suite a nested, indented KTAP
 * document over its cases, diagnostics as "# " lines before the result.
 * tools/ktest.py parses it.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "kernel/cmdline.h"
#include "lib/string.h"
#include "lib/printf.h"

extern const struct ktest_suite *const __start_ktest_suites[], *const __stop_ktest_suites[];

const char *ktest_indent(int n)
{
	static const char spaces[] = "                ";
	return spaces + sizeof(spaces) - 1 - MIN((size_t)n, sizeof(spaces) - 1);
}

bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *fmt, ...)
{
	if (ok)
		return true;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("%s# %s: EXPECTATION FAILED at %s:%d: %s\n", ktest_indent(t->indent), t->name,
		file, line, msg);
	t->failures++;
	return false;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skip = reason;
}

static bool selected(const char *selection, const char *suite)
{
	return strcmp(selection, "all") == 0 || list_has(selection, suite);
}

/* The result line of case number n; true if it failed. */
static bool report(const struct ktest *t, size_t n)
{
	const char *in = ktest_indent(t->indent);
	if (t->failures)
		kprintf("%snot ok %lu %s\n", in, n, t->name);
	else if (t->skip)
		kprintf("%sok %lu %s # SKIP %s\n", in, n, t->name, t->skip);
	else
		kprintf("%sok %lu %s\n", in, n, t->name);
	return t->failures;
}

/* A parameterised case: a nested subtest with one result per parameter. */
static void run_params(const struct ktest_case *c, struct ktest *t)
{
	size_t n = 0;
	while (c->param(n))
		n++;
	kprintf("        KTAP version 1\n        # Subtest: %s\n        1..%lu\n", c->name, n);
	for (size_t i = 0; i < n; i++) {
		struct ktest p = { .name = c->param(i), .indent = 8 };
		c->fn(&p);
		t->failures += report(&p, i + 1);
	}
	if (n == 0)
		t->skip = "no parameters";
}

static int run_suite(const struct ktest_suite *s, int index)
{
	int failed = 0;
	kprintf("    KTAP version 1\n    # Subtest: %s\n    1..%lu\n", s->name, s->ncases);
	for (size_t i = 0; i < s->ncases; i++) {
		const struct ktest_case *c = &s->cases[i];
		struct ktest t = { .name = c->name, .indent = 4 };
		if (c->param)
			run_params(c, &t);
		else
			c->fn(&t);
		failed += report(&t, i + 1);
	}
	kprintf("%s %d %s\n", failed ? "not ok" : "ok", index, s->name);
	return failed;
}

int ktest_run(const char *requested)
{
	int nsuites = 0, failed = 0, index = 0;
	const struct ktest_suite *const *s;
	char selection[256];	/* a copy: tests may re-parse the command line */

	ksnprintf(selection, sizeof(selection), "%s", requested);
	for (s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		nsuites += selected(selection, (*s)->name);
	/* A suite named on the command line that does not exist is an error, not a pass. */
	const char *p = selection;
	int unknown = 0;
	while (strcmp(selection, "all") != 0 && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[64];
		ksnprintf(name, MIN(len + 1, sizeof(name)), "%s", p);
		bool found = false;
		for (s = __start_ktest_suites; s < __stop_ktest_suites; s++)
			found |= strcmp((*s)->name, name) == 0;
		if (!found) {
			kprintf("ktest: no suite named '%s'\n", name);
			unknown++;
		}
		p = comma ? comma + 1 : p + len;
	}

	kprintf("KTAP version 1\n1..%d\n", nsuites + unknown);
	for (s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		if (selected(selection, (*s)->name))
			failed += run_suite(*s, ++index);
	for (int i = 0; i < unknown; i++)
		kprintf("not ok %d unknown_suite # no such suite\n", ++index);
	return failed + unknown;
}
