/*
 * The user suite: each case spawns one program from user/, with no
 * arguments, and passes when it exits with status 0.  A program that
 * reports through user/ktap.h prints its own KTAP one level deeper
 * (KTAP_INDENT), so its cases are counted one by one; one that prints no
 * KTAP is one case, judged by its exit status.
 *
 * Which programs run: every program named in a USER_CASE line below (its
 * case has that name), then, in user_programs, every other program on the
 * boot image whose name starts with "test-".  The rest (sh, which reads
 * the console, and tools that need arguments) are reported as skipped, so
 * a program added under user/ is always counted.  The last case checks that
 * running them all left the free page count where it started.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/exec.h"
#include "mm/pmm.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "kernel/time.h"
#include "kernel/sched.h"
#include "uapi/signal.h"

static size_t pages_at_start;
static bool started;

/*
 * Spawn program name with KTAP_INDENT set to the case's subtest level, under
 * "# Subtest: " and the case's name (KTAP: the header names the test its
 * result line will, so a crash inside is blamed on the case), and wait for
 * it: its wait status, or -1 if it was still running after timeout_s
 * seconds (0: no limit) and was killed.
 * With prefix, each line it writes starts with it (kernel/sys_misc.c).
 * Shared with the selftests suite (kernel/selftests_test.c).
 */
int ktest_run_program(struct ktest *t, const char *name, char *const argv[], const char *prefix,
		      unsigned timeout_s)
{
	if (!started) {
		pages_at_start = pmm_free_count();
		started = true;
	}
	if (!program_find(name)) {
		ktest_check(t, false, __FILE__, __LINE__, "program %s is not on the boot image", name);
		return -1;
	}
	int indent = t->indent + 4;
	char env[16];
	ksnprintf(env, sizeof(env), "KTAP_INDENT=%d", indent);
	char *dflt[] = { (char *)name, NULL };
	char *envp[] = { env, NULL };
	char subtest[80];
	ksnprintf(subtest, sizeof(subtest), "Subtest: %s", t->name);
	struct ktap_out o = ktest_out(indent);
	ktap_emit_diag(&o, subtest);
	long pid = process_spawn(name, argv ? argv : dflt, envp);
	if (!KEXPECT(t, pid > 0))
		return -1;
	struct process *p = process_by_pid((int)pid);
	if (p && prefix)
		ksnprintf(p->console_prefix, sizeof(p->console_prefix), "%s", prefix);
	int status = -1;
	uint64_t deadline = timeout_s ? timer_ticks() + (uint64_t)timeout_s * HZ : 0;
	for (;;) {
		long r = process_wait((int)pid, &status, deadline ? 1 /* WNOHANG */ : 0);
		if (r == pid)
			return status;
		if (r < 0 || timer_ticks() >= deadline) {
			if (p)
				process_kill(p, W_SIGNALED(KSIGKILL));
			process_wait((int)pid, &status, 0);
			return -1;
		}
		sleep_until(timer_ticks() + HZ / 50);
	}
}

static void run_program(struct ktest *t, const char *name)
{
	int status = ktest_run_program(t, name, NULL, NULL, 0);
	ktest_check(t, status == 0, __FILE__, __LINE__, "%s: wait status %x (exit %d, signal %d)",
		    name, status, (status >> 8) & 0xff, status & 0x7f);
}

/* Programs run by a USER_CASE line, so that user_programs does not run them again. */
#define MAX_USER_CASES 64
static const char *listed[MAX_USER_CASES];
static size_t nlisted;
static bool programs_ran;	/* user_programs has run: a USER_CASE after it is misplaced */

static bool is_listed(const char *name)
{
	for (size_t i = 0; i < nlisted; i++)
		if (strcmp(listed[i], name) == 0)
			return true;
	return false;
}

static void user_case(struct ktest *t, const char *name)
{
	if (programs_ran) {
		ktest_check(t, false, __FILE__, __LINE__, "%s: its KTEST_CASE line must come before "
			    "KTEST_CASE_PARAM(user_programs, ...) in the suite", name);
		return;
	}
	if (!is_listed(name) && nlisted < MAX_USER_CASES)
		listed[nlisted++] = name;
	run_program(t, name);
}

#define USER_CASE(fn, prog) static void fn(struct ktest *t) { user_case(t, prog); }
USER_CASE(user_syscalls, "test-syscalls")
USER_CASE(user_memory, "test-memory")
USER_CASE(user_mm_hostile, "test-mm-hostile")
USER_CASE(user_threads, "test-threads")
USER_CASE(user_faults, "test-faults")
USER_CASE(user_wild_pointers, "test-wildptr")
USER_CASE(user_hello, "hello")
USER_CASE(user_xstate, "test-xstate")
USER_CASE(user_pkeys, "test-pkeys")
USER_CASE(user_xstate_debug, "test-xstate-debug")
USER_CASE(user_xstate_leak, "test-xstate-leak")
USER_CASE(user_pasid, "test-pasid")
USER_CASE(user_accel_demo, "accel-demo")
USER_CASE(user_enqcmd, "test-enqcmd")
USER_CASE(user_entry, "test-entry")
USER_CASE(user_uname, "test-uname")
USER_CASE(user_sigframe, "test-sigframe")
USER_CASE(user_signals, "test-signals")

/* The i-th program on the boot image that no USER_CASE line runs. */
static const char *unlisted_program(size_t i)
{
	const struct program *p;
	for (int k = 0; (p = program_at(k)); k++)
		if (!is_listed(p->name) && i-- == 0)
			return p->name;
	return NULL;
}

static void user_programs(struct ktest *t)
{
	programs_ran = true;
	if (strncmp(t->name, "test-", 5) != 0)
		KSKIP(t, "not test-*: run only by a USER_CASE line (README: Writing a user program)");
	run_program(t, t->name);
}

static void user_no_pages_leaked(struct ktest *t)
{
	KASSERT(t, started);
	KEXPECT_EQ(t, pmm_free_count(), pages_at_start);
}

KTEST_SUITE(user, KTEST_CASE(user_syscalls), KTEST_CASE(user_memory), KTEST_CASE(user_mm_hostile),
	    KTEST_CASE(user_threads), KTEST_CASE(user_faults), KTEST_CASE(user_wild_pointers),
	    KTEST_CASE(user_hello), KTEST_CASE(user_xstate), KTEST_CASE(user_pkeys),
	    KTEST_CASE(user_xstate_debug), KTEST_CASE(user_xstate_leak), KTEST_CASE(user_pasid),
	    KTEST_CASE(user_accel_demo), KTEST_CASE(user_enqcmd), KTEST_CASE(user_entry),
	    KTEST_CASE(user_uname), KTEST_CASE(user_sigframe), KTEST_CASE(user_signals),
	    /* After every USER_CASE's line: it runs the test-* programs they do not. */
	    KTEST_CASE_PARAM(user_programs, unlisted_program), KTEST_CASE(user_no_pages_leaked));
