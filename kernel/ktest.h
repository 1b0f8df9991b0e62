/*
 * Kestrel's in-kernel tests, in the style of Linux's KUnit: suites of
 * cases, results printed as KTAP on the console, selected with
 * ktest=all or ktest=suite1,suite2 on the kernel command line.
 *
 *	static void pmm_alloc_free(struct ktest *t)
 *	{
 *		uint64_t pa = pmm_alloc();
 *		KASSERT(t, pa != 0);
 *		KEXPECT_EQ(t, pmm_is_free(pa), false);
 *	}
 *	KTEST_SUITE(pmm, KTEST_CASE(pmm_alloc_free));
 */
#pragma once
#include "lib/ktap.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ktest {
	const char *name;	/* the case's name, or its parameter's */
	int failures;
	const char *skip;	/* non-NULL: the case was skipped, with this reason */
	int indent;		/* of its KTAP lines: 4, or 8 inside a parameterised case */
};

struct ktest_case {
	const char *name;
	void (*fn)(struct ktest *t);
	/* Non-NULL: fn runs once per parameter param(0), param(1), ... up to
	 * the first NULL, each reported as a case of a nested subtest named
	 * after this one (KUnit's KUNIT_CASE_PARAM).  The list is read when
	 * the case starts, so it may depend on the cases run before it. */
	const char *(*param)(size_t i);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	size_t ncases;
};

#define KTEST_CASE(fn) { #fn, fn, NULL }
#define KTEST_CASE_PARAM(fn, gen) { #fn, fn, gen }
#define KTEST_SUITE(sname, ...) \
	static const struct ktest_case sname##_cases[] = { __VA_ARGS__ }; \
	static const struct ktest_suite sname##_suite = { \
		#sname, sname##_cases, sizeof(sname##_cases) / sizeof(sname##_cases[0]) }; \
	static const struct ktest_suite *const sname##_suite_ptr \
		__attribute__((used, section(".ktest_suites"))) = &sname##_suite

bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void ktest_skip(struct ktest *t, const char *reason);
struct ktap_out ktest_out(int indent);	/* the console, at this indentation (lib/ktap.h) */
int ktest_run(const char *selection);	/* returns the number of failed cases */
uint64_t ktest_seed(void);		/* seed=N, for patterns a test draws (make grade) */
/* kernel/user_test.c: run a boot-module program as a subtest; its wait status, -1 if killed. */
int ktest_run_program(struct ktest *t, const char *name, char *const argv[], const char *prefix,
		      unsigned timeout_s);

#define KEXPECT(t, cond) ktest_check(t, (cond), __FILE__, __LINE__, "expected %s", #cond)
#define KEXPECT_EQ(t, a, b) ({ \
	uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b); \
	ktest_check(t, _a == _b, __FILE__, __LINE__, "expected %s == %s: got 0x%lx, want 0x%lx", \
		    #a, #b, _a, _b); })
#define KEXPECT_NE(t, a, b) ({ \
	uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b); \
	ktest_check(t, _a != _b, __FILE__, __LINE__, "expected %s != %s: both 0x%lx", #a, #b, _a); })
#define KEXPECT_STREQ(t, a, b) ({ \
	const char *_a = (a), *_b = (b); \
	ktest_check(t, strcmp(_a, _b) == 0, __FILE__, __LINE__, "expected %s == %s: got \"%s\", want \"%s\"", \
		    #a, #b, _a, _b); })
/* The KASSERT forms end the case on failure. */
#define KASSERT(t, cond) do { if (!KEXPECT(t, cond)) return; } while (0)
#define KASSERT_EQ(t, a, b) do { if (!KEXPECT_EQ(t, a, b)) return; } while (0)
#define KSKIP(t, reason) do { ktest_skip(t, reason); return; } while (0)
