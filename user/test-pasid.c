/*
 * PASID on first ENQCMD, end to end: binding, the one #GP per thread, the
 * device doing work in our address space, its errors, and the PASID's
 * lifetime.  Children (this program again, argv[1] = mode) do what must
 * not be done in the parent.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "accel.h"
#include "child.h"
#include "ktap.h"
#include "raw_syscall.h"
#include "signame.h"

#define PROG "test-pasid"
static void *portal;

static int gettid_(void) { return (int)raw_syscall0(SYS_gettid); }

static bool bind_once(void)
{
	portal = accel_portal();
	return portal != NULL;
}

static int noop(void) { return accel_noop(portal); }

static const char *bind_maps_the_portal(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	KTAP_EXPECT(bind_once(), "kestrel_accel_bind failed");
	KTAP_EXPECT((uint64_t)portal % 4096 == 0, "portal %p is not page aligned", portal);
	KTAP_EXPECT(kestrel_accel_bind() == (long)portal, "a second bind gave another portal");
	return NULL;
}

static const char *first_enqcmd_takes_one_gp(void)
{
	if (!bind_once())
		return "not bound";
	int active = 1, tid = gettid_();
	KTAP_EXPECT(my_pasid_fixups(tid, &active) == 0 && !active, "PASID active before any ENQCMD");
	KTAP_EXPECT(noop() == ACCEL_STATUS_SUCCESS, "first NOOP did not complete");
	int fixups = my_pasid_fixups(tid, &active);
	KTAP_EXPECT(fixups == 1, "fixups %d after the first ENQCMD, want 1", fixups);
	KTAP_EXPECT(active,
		    "the PASID latch (pasid_activated) is not set after the first ENQCMD's fix-up");
	for (int i = 0; i < 5; i++)
		KTAP_EXPECT(noop() == ACCEL_STATUS_SUCCESS, "NOOP %d did not complete", i);
	KTAP_EXPECT(my_pasid_fixups(tid, NULL) == 1, "later ENQCMDs took more #GPs: %d",
		    my_pasid_fixups(tid, NULL));
	return NULL;
}

/* Shared virtual addressing: the device reads and writes our own buffers. */
static const char *device_works_in_our_memory(void)
{
	if (!bind_once())
		return "not bound";
	static char a[10000], b[10000];
	static struct accel_desc d;
	static struct accel_completion c;
	for (int i = 0; i < (int)sizeof(a); i++)
		a[i] = (char)(i * 7);
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_MEMMOVE << 24, .src = (uint64_t)a,
				 .dst = (uint64_t)b, .size = sizeof(a) };
	KTAP_EXPECT(accel_run(portal, &d, &c) == ACCEL_STATUS_SUCCESS, "MEMMOVE status %d", c.status);
	KTAP_EXPECT(memcmp(a, b, sizeof(a)) == 0 && c.bytes_completed == sizeof(a), "MEMMOVE copied wrong");
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_FILL << 24, .src = 0x0807060504030201ull,
				 .dst = (uint64_t)b, .size = 100 };
	KTAP_EXPECT(accel_run(portal, &d, &c) == ACCEL_STATUS_SUCCESS, "FILL status %d", c.status);
	KTAP_EXPECT(b[0] == 1 && b[7] == 8 && b[8] == 1 && b[99] == 4 && b[100] == a[100], "FILL wrong");
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_COMPARE << 24, .src = (uint64_t)a,
				 .dst = (uint64_t)b, .size = sizeof(a) };
	KTAP_EXPECT(accel_run(portal, &d, &c) == ACCEL_STATUS_SUCCESS && c.result == 1 &&
		    c.bytes_completed == 0, "COMPARE: result %d at %u", c.result, c.bytes_completed);
	d.size = 0;
	d.flags_op = 0x7fu << 24;
	KTAP_EXPECT(accel_run(portal, &d, &c) == ACCEL_STATUS_BAD_OPCODE, "bad opcode: status %d", c.status);
	return NULL;
}

static const char *bad_addresses_complete_with_page_fault(void)
{
	if (!bind_once())
		return "not bound";
	static char buf[64];
	static struct accel_desc d;
	static struct accel_completion c;
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t bad[] = { 0x10, 0xffffffff80100000ull, (uint64_t)ro };
	for (int i = 0; i < 3; i++) {
		bool to_ro = bad[i] == (uint64_t)ro;
		d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_MEMMOVE << 24,
					 .src = to_ro ? (uint64_t)buf : bad[i],
					 .dst = to_ro ? bad[i] : (uint64_t)buf, .size = 64 };
		KTAP_EXPECT(accel_run(portal, &d, &c) == ACCEL_STATUS_PAGE_FAULT && c.fault_addr == bad[i],
			    "address %#llx: status %d, fault address %#llx", (unsigned long long)bad[i],
			    c.status, (unsigned long long)c.fault_addr);
	}
	munmap(ro, 4096);
	return NULL;
}

/* A thread created after binding still starts without a PASID. */
static void *thread_body(void *arg)
{
	int tid = gettid_(), *fixups = arg;
	fixups[0] = my_pasid_fixups(tid, NULL);
	noop();
	fixups[1] = my_pasid_fixups(tid, NULL);
	noop();
	fixups[2] = my_pasid_fixups(tid, NULL);
	return NULL;
}

static const char *thread_after_bind_faults_once(void)
{
	if (!bind_once())
		return "not bound";
	int fixups[3] = { -1, -1, -1 };
	pthread_t th;
	pthread_create(&th, NULL, thread_body, fixups);
	pthread_join(th, NULL);
	KTAP_EXPECT(fixups[0] == 0 && fixups[1] == 1 && fixups[2] == 1,
		    "new thread's fixups %d, %d, %d; want 0, 1, 1", fixups[0], fixups[1], fixups[2]);
	return NULL;
}

static const char *full_queue_answers_zf(void)
{
	if (!bind_once())
		return "not bound";
	static struct accel_desc d;
	int accepted = 0, full = 0;
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_NOOP << 24 };
	for (int i = 0; i < 1000 && !full; i++) {
		if (enqcmd(portal, &d))
			full = 1;
		else
			accepted++;
	}
	KTAP_EXPECT(full, "the queue never filled: %d accepted", accepted);
	int tries = 0;
	while (enqcmd(portal, &d) && tries++ < 100000)
		sched_yield();
	KTAP_EXPECT(tries < 100000, "a retry after ZF=1 was never accepted");
	return NULL;
}

/* Preempted and switched many times, with other tasks changing their own
 * state through the update API meanwhile: the PASID stays. */
static const char *pasid_survives_switches(void)
{
	if (!bind_once())
		return "not bound";
	long pid = child_start(PROG, "pkey-churn");
	for (int i = 0; i < 300; i++) {
		sched_yield();
		for (volatile int spin = 0; spin < 20000; spin++)
			;
	}
	KTAP_EXPECT(noop() == ACCEL_STATUS_SUCCESS, "NOOP after the switches failed");
	KTAP_EXPECT(my_pasid_fixups(gettid_(), NULL) == 1, "fixups %d, want still 1",
		    my_pasid_fixups(gettid_(), NULL));
	int status;
	if (pid > 0)
		waitpid(pid, &status, 0);
	return NULL;
}

static const char *unbound_enqcmd_is_killed(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	char why[80];
	int st = child_run(PROG, "unbound-enqcmd");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "unbound ENQCMD: %s", child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "misaligned-enqcmd");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "misaligned ENQCMD: %s", child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "enqcmd-elsewhere");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "ENQCMD to a non-portal: %s", child_describe(st, why, sizeof(why)));
	return NULL;
}

/* The portal is the device's page: a plain store faults, unmapping it
 * frees nothing of ours (and nothing of the device's), and an ENQCMD to
 * where it was is refused. */
static const char *portal_belongs_to_the_device(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	char why[80];
	int st = child_run(PROG, "store-to-portal");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "a store to the portal: %s", child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "unmap-portal");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "ENQCMD after unmapping the portal: %s",
		    child_describe(st, why, sizeof(why)));
	return NULL;
}

/* A spawned child has its own address space: no PASID, and its own #GP. */
static const char *child_does_not_inherit(void)
{
	if (!bind_once())
		return "not bound";
	char why[80];
	int st = child_run(PROG, "unbound-enqcmd");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "child of a bound process: %s",
		    child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "bind-and-exit");
	KTAP_EXPECT(child_exited_with(st, 0), "child that binds: %s", child_describe(st, why, sizeof(why)));
	return NULL;
}

/* Far more bind/exit rounds than PASIDs exist: each exit frees its PASID. */
static const char *exit_frees_the_pasid(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	long before = kestrel_free_pages();
	for (int i = 0; i < 150; i++) {
		int st = child_run(PROG, "bind-and-exit");
		if (!KTAP_EXPECT(child_exited_with(st, 0), "round %d: status %#x", i, st))
			break;
	}
	KTAP_EXPECT(kestrel_free_pages() == before, "free pages %ld, before %ld", kestrel_free_pages(), before);
	return NULL;
}

static int child_main(const char *mode)
{
	static struct accel_desc d;
	if (strcmp(mode, "unbound-enqcmd") == 0) {
		enqcmd((void *)0x100000, &d);		/* no PASID: killed */
		return 1;
	}
	if (strcmp(mode, "bind-and-exit") == 0) {
		if (!bind_once() || noop() != ACCEL_STATUS_SUCCESS)
			return 1;
		return my_pasid_fixups(gettid_(), NULL) == 1 ? 0 : 2;
	}
	if (strcmp(mode, "misaligned-enqcmd") == 0) {
		bind_once();
		noop();
		enqcmd((char *)portal + 8, &d);		/* #GP: not 64-byte aligned */
		return 1;
	}
	if (strcmp(mode, "enqcmd-elsewhere") == 0) {
		static char not_a_portal[128] __attribute__((aligned(64)));
		bind_once();
		noop();
		enqcmd(not_a_portal, &d);
		return 1;
	}
	if (strcmp(mode, "enqcmd-sleep-enqcmd") == 0) {	/* kernel/pasid_test.c */
		struct timespec ts = { 0, 200 * 1000000 };
		if (!bind_once() || noop() != ACCEL_STATUS_SUCCESS)
			return 1;
		nanosleep(&ts, NULL);		/* the kernel invalidates our PASID meanwhile */
		noop();				/* a second #GP: fatal */
		return 2;
	}
	if (strcmp(mode, "store-to-portal") == 0) {
		bind_once();
		*(volatile char *)portal = 1;	/* read-only to the program: killed */
		return 1;
	}
	if (strcmp(mode, "unmap-portal") == 0) {
		if (!bind_once() || noop() != ACCEL_STATUS_SUCCESS)
			return 1;
		/* A page of ours in the portal's page table keeps that table in
		 * use (munmap frees emptied tables), so the count sees only the
		 * portal's own frame. */
		char *beside = (char *)((uintptr_t)portal ^ 4096);
		if (mmap(beside, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0) != beside)
			return 4;
		long before = kestrel_free_pages();
		mprotect(portal, 4096, PROT_READ);
		munmap(portal, 4096);
		if (kestrel_free_pages() != before)
			return 3;		/* the device's page went to the allocator */
		munmap(beside, 4096);
		enqcmd(portal, &d);		/* nothing there now: killed */
		return 1;
	}
	if (strcmp(mode, "pkey-churn") == 0) {	/* PKRU updates through the kernel's API */
		for (int i = 0; i < 200; i++) {
			long k = raw_syscall2(330, 0, 0);
			if (k > 0)
				raw_syscall1(331, k);
			sched_yield();
		}
		return 0;
	}
	return 99;
}

static const struct ktap_case cases[] = {
	{ "bind_maps_the_portal", bind_maps_the_portal },
	{ "first_enqcmd_takes_one_gp", first_enqcmd_takes_one_gp },
	{ "device_works_in_our_memory", device_works_in_our_memory },
	{ "bad_addresses_complete_with_page_fault", bad_addresses_complete_with_page_fault },
	{ "thread_after_bind_faults_once", thread_after_bind_faults_once },
	{ "full_queue_answers_zf", full_queue_answers_zf },
	{ "pasid_survives_switches", pasid_survives_switches },
	{ "unbound_enqcmd_is_killed", unbound_enqcmd_is_killed },
	{ "portal_belongs_to_the_device", portal_belongs_to_the_device },
	{ "child_does_not_inherit", child_does_not_inherit },
	{ "exit_frees_the_pasid", exit_frees_the_pasid },
};

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argv[1]);
	if (!on_kestrel()) {
		ktap_plan(1);
		ktap_skip("pasid", "not running on Kestrel");
		return 0;
	}
	return KTAP_RUN(cases);
}
