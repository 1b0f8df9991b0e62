/*
 * The user suite: each case spawns one test program from user/, which
 * prints its own KTAP one level deeper (KTAP_INDENT), and passes when the
 * program exits with status 0.  The last case checks that running them
 * all left the free page count where it started.
 */
#include "kernel.h"
#include "ktest.h"
#include "mm.h"
#include "process.h"

static size_t pages_at_start;
static bool started;

static void run_program(struct ktest *t, const char *name)
{
	if (!started) {
		pages_at_start = pmm_free_count();
		started = true;
	}
	if (!program_find(name)) {
		ktest_check(t, false, __FILE__, __LINE__, "program %s is not on the boot image", name);
		return;
	}
	char *argv[] = { (char *)name, NULL };
	char *envp[] = { "KTAP_INDENT=8", NULL };
	kprintf("        # Subtest: %s\n", name);
	long pid = process_spawn(name, argv, envp);
	KASSERT(t, pid > 0);
	int status = -1;
	KEXPECT_EQ(t, process_wait((int)pid, &status, 0), pid);
	ktest_check(t, status == 0, __FILE__, __LINE__, "%s: wait status %x (exit %d, signal %d)",
		    name, status, (status >> 8) & 0xff, status & 0x7f);
}

#define USER_CASE(fn, prog) static void fn(struct ktest *t) { run_program(t, prog); }
USER_CASE(user_syscalls, "test-syscalls")
USER_CASE(user_memory, "test-memory")
USER_CASE(user_threads, "test-threads")
USER_CASE(user_faults, "test-faults")
USER_CASE(user_wild_pointers, "test-wildptr")
USER_CASE(user_hello, "hello")
USER_CASE(user_xstate, "test-xstate")
USER_CASE(user_pkeys, "test-pkeys")
USER_CASE(user_xstate_debug, "test-xstate-debug")
USER_CASE(user_pasid, "test-pasid")
USER_CASE(user_accel_demo, "accel-demo")
USER_CASE(user_entry, "test-entry")

static void user_no_pages_leaked(struct ktest *t)
{
	KASSERT(t, started);
	KEXPECT_EQ(t, pmm_free_count(), pages_at_start);
}

KTEST_SUITE(user,
	KTEST_CASE(user_syscalls),
	KTEST_CASE(user_memory),
	KTEST_CASE(user_threads),
	KTEST_CASE(user_faults),
	KTEST_CASE(user_wild_pointers),
	KTEST_CASE(user_hello),
	KTEST_CASE(user_xstate),
	KTEST_CASE(user_pkeys),
	KTEST_CASE(user_xstate_debug),
	KTEST_CASE(user_pasid),
	KTEST_CASE(user_accel_demo),
	KTEST_CASE(user_entry),
	KTEST_CASE(user_no_pages_leaked));
