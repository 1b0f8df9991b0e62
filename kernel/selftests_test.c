/*
 * The selftests suite: Linux's own x86 selftests (and mm's protection_keys),
 * unmodified, built with musl by `make selftests` (tools/selftests/build.py)
 * and put on build/kestrel-selftests.iso as modules named x86-NAME and
 * mm-NAME.  Each is one case: exit 0 passes, exit 4 (kselftest's KSFT_SKIP)
 * skips with the program's reason, anything else fails, and a program
 * still running after 45 s is killed and fails.  The programs' output is
 * printed as KTAP diagnostics, since some of them print TAP of their own.
 * docs/selftests.md lists each program's result on each row.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "kernel/exec.h"
#include "lib/string.h"

#define TIMEOUT_S 45 /* under tools/ktest.py's 60 s without a result */
#define KSFT_SKIP 4

static bool is_selftest(const char *name)
{
	return strncmp(name, "x86-", 4) == 0 || strncmp(name, "mm-", 3) == 0;
}

/* The i-th selftest on the image; with none at all, one case that says so. */
static const char *selftest_at(size_t i)
{
	const struct program *p;
	size_t n = 0;
	for (int k = 0; (p = program_at(k)); k++)
		if (is_selftest(p->name) && n++ == i)
			return p->name;
	return n == 0 && i == 0 ? "(none)" : NULL;
}

static void selftest(struct ktest *t)
{
	if (strcmp(t->name, "(none)") == 0)
		KSKIP(t, "no selftest programs on this boot image: run make selftests "
			 "(tools/ktest.py boots build/kestrel-selftests.iso)");
	char prefix[24];
	int n = MIN(t->indent + 4, (int)sizeof(prefix) - 3);
	memset(prefix, ' ', (size_t)n);
	memcpy(prefix + n, "# ", 3);
	int status = ktest_run_program(t, t->name, NULL, prefix, TIMEOUT_S);
	if (status == (KSFT_SKIP << 8))
		KSKIP(t, "the program skipped itself (exit 4, KSFT_SKIP): its output says why");
	ktest_check(t, status == 0, __FILE__, __LINE__, "%s: %s %d", t->name,
		    status < 0 ? "still running after the time limit, killed; seconds:" :
		    (status & 0x7f) ? "killed by signal" : "exited with status",
		    status < 0 ? TIMEOUT_S : (status & 0x7f) ? status & 0x7f : (status >> 8) & 0xff);
}

KTEST_SUITE(selftests, KTEST_CASE_PARAM(selftest, selftest_at));
