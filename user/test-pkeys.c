/*
 * test-pkeys: memory protection keys, Linux's pkey_alloc, pkey_free and
 * pkey_mprotect.  Each user page carries a 4-bit key; PKRU holds two bits
 * per key, AD (bit 2k: no access) and WD (bit 2k+1: no writes), checked on
 * every user-mode data access (SDM vol. 3A 4.6.2).  PKRU is a register of
 * each thread, so changing it needs no system call, only WRPKRU.
 *
 * A forbidden access kills with SIGSEGV, so each one runs in a child: this
 * program spawned again with argv[1] naming what to do (child.h).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "cpu.h"
#include "child.h"
#include "ktap.h"

#define PROG "test-pkeys"
#define NR_pkey_mprotect	329
#define NR_pkey_alloc		330
#define NR_pkey_free		331
#define DISABLE_ACCESS		1	/* PKEY_DISABLE_ACCESS */
#define DISABLE_WRITE		2	/* PKEY_DISABLE_WRITE */
#define PAGE			4096
#define NO_PKU			"PKU not enabled (CPUID.7.0:ECX.OSPKE[4] = 0)"

static long pkey_alloc(unsigned long flags, unsigned long rights)
{
	return raw_syscall2(NR_pkey_alloc, flags, rights);
}

static long pkey_free(long key)
{
	return raw_syscall1(NR_pkey_free, key);
}

static long pkey_mprotect(void *addr, size_t len, int prot, long key)
{
	return raw_syscall4(NR_pkey_mprotect, addr, len, prot, key);
}

/* RDPKRU/WRPKRU #UD unless CR4.PKE is set, which OSPKE reflects. */
static bool pku_enabled(void)
{
	return user_cpu_detect().ospke;
}

static uint32_t key_bits(uint32_t pkru, long key)
{
	return pkru >> (2 * key) & 3;
}

/* A fresh read-write page holding 42, or NULL. */
static volatile int *new_page(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*(volatile int *)p = 42;
	return p;
}

static const char *alloc_gives_1_to_15_then_enospc(void)
{
	long keys[16], n = 0, r;

	while (n < 16 && (r = pkey_alloc(0, 0)) >= 0)
		keys[n++] = r;
	if (!pku_enabled()) {
		KTAP_EXPECT(n == 0 && r == -ENOSPC, "no PKU, yet %ld keys, then pkey_alloc = %ld; "
			    "want -ENOSPC at once", n, r);
		return NULL;
	}
	KTAP_EXPECT(n == 15, "got %ld keys, want 15 (1..15: key 0 is every page's default)", n);
	KTAP_EXPECT(r == -ENOSPC, "pkey_alloc after %ld keys = %ld, want -ENOSPC", n, r);
	uint32_t seen = 0;
	for (long i = 0; i < n; i++) {
		if (KTAP_EXPECT(keys[i] >= 1 && keys[i] <= 15 && !(seen >> keys[i] & 1),
				"key %ld returned: out of 1..15, or twice", keys[i]))
			seen |= 1u << keys[i];
	}
	for (long i = 0; i < n; i++) {
		r = pkey_free(keys[i]);
		KTAP_EXPECT(r == 0, "pkey_free(%ld) = %ld", keys[i], r);
	}
	r = pkey_alloc(0, 0);
	KTAP_EXPECT(r == 1, "after freeing them all, pkey_alloc = %ld, want 1 again", r);
	if (r > 0)
		pkey_free(r);
	return NULL;
}

static const char *alloc_bad_arguments_einval(void)
{
	long r = pkey_alloc(1, 0);
	KTAP_EXPECT(r == -EINVAL, "pkey_alloc(flags 1, 0) = %ld, want -EINVAL", r);
	r = pkey_alloc(0, 4);
	KTAP_EXPECT(r == -EINVAL, "pkey_alloc(0, rights 4) = %ld, want -EINVAL (only AD 1, WD 2)", r);
	return NULL;
}

static const char *free_unallocated_einval(void)
{
	static const long bad[] = { 7, 15, 16, -1, 1000 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = pkey_free(bad[i]);
		KTAP_EXPECT(r == -EINVAL, "pkey_free(%ld), never allocated: %ld, want -EINVAL", bad[i], r);
	}
	long key = pkey_alloc(0, 0);
	if (key < 0) {
		KTAP_EXPECT(!pku_enabled(), "pkey_alloc = %ld", key);
		ktap_print("# no keys to allocate: a double free not tried");
		return NULL;
	}
	KTAP_EXPECT(pkey_free(key) == 0, "pkey_free(%ld) failed", key);
	long r = pkey_free(key);
	KTAP_EXPECT(r == -EINVAL, "pkey_free(%ld) twice: %ld, want -EINVAL", key, r);
	return NULL;
}

static const char *mprotect_bad_key_einval(void)
{
	volatile int *p = new_page();
	if (!KTAP_EXPECT(p, "mmap failed"))
		return NULL;
	static const long bad[] = { 5, 16, -2 };	/* -1 means key 0 */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = pkey_mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE, bad[i]);
		KTAP_EXPECT(r == -EINVAL, "pkey_mprotect(key %ld), not allocated: %ld, want -EINVAL", bad[i], r);
	}
	long r = pkey_mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE, -1);
	KTAP_EXPECT(r == 0, "pkey_mprotect(key -1: the default) = %ld", r);
	munmap((void *)p, PAGE);
	return NULL;
}

static const char *rights_live_in_pkru(void)
{
	if (!pku_enabled())
		return NO_PKU;
	static const unsigned rights[] = { DISABLE_WRITE, DISABLE_ACCESS, 0, DISABLE_ACCESS | DISABLE_WRITE };
	long keys[4];
	uint32_t before = rdpkru();

	for (int i = 0; i < 4; i++) {
		keys[i] = pkey_alloc(0, rights[i]);
		if (!KTAP_EXPECT(keys[i] > 0, "pkey_alloc(0, %u) = %ld", rights[i], keys[i]))
			return NULL;
		uint32_t now = rdpkru();
		KTAP_EXPECT(key_bits(now, keys[i]) == rights[i], "key %ld: PKRU %#x has bits %u, want "
			    "%u (AD at 2k, WD at 2k+1)", keys[i], now, key_bits(now, keys[i]), rights[i]);
		uint32_t others = ~(3u << (2 * keys[i]));
		KTAP_EXPECT((now & others) == (before & others), "pkey_alloc(%ld) changed other keys' "
			    "bits: PKRU %#x, was %#x", keys[i], now, before);
		before = now;
	}
	for (int i = 0; i < 4; i++)
		pkey_free(keys[i]);
	return NULL;
}

/* ---- children: each ends by the access under test ---- */

/* Tag page p with a new key of these rights and return the key; exit 10 if that fails. */
static long protect(volatile int *p, unsigned rights)
{
	long key = p ? pkey_alloc(0, rights) : -ENOMEM;
	if (key <= 0 || pkey_mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE, key) != 0)
		exit(10);
	return key;
}

static int child_write_to_write_disabled(void)
{
	volatile int *p = new_page();

	protect(p, DISABLE_WRITE);
	if (*p != 42)
		return 11;
	*p = 43;	/* must fault */
	return 0;
}

/* mprotect() without a key changes the protection, not the key. */
static int child_write_after_mprotect(void)
{
	volatile int *p = new_page();

	protect(p, DISABLE_WRITE);
	if (mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE) != 0)
		return 10;
	*p = 43;	/* must fault */
	return 0;
}

static int child_read_access_disabled(void)
{
	volatile int *p = new_page();

	protect(p, DISABLE_ACCESS);
	return *p == 42 ? 0 : 11;	/* must fault */
}

/* Take all rights away, then give them back with WRPKRU alone. */
static int child_wrpkru_grants(void)
{
	volatile int *p = new_page();
	long key = protect(p, DISABLE_ACCESS | DISABLE_WRITE);
	uint32_t pkru = rdpkru(), open = pkru & ~(3u << (2 * key));

	if (key_bits(pkru, key) != 3)
		return 12;
	wrpkru(open);
	*p = 43;			/* would fault if WRPKRU had not taken effect */
	if (*p != 43)
		return 13;
	/* PKRU is switched with the thread: still open after others ran. */
	for (int i = 0; i < 20; i++)
		raw_syscall0(SYS_sched_yield);
	if (rdpkru() != open)
		return 14;
	*p = 44;
	return *p == 44 ? 0 : 13;
}

static const struct child_mode {
	const char *mode;
	int (*run)(void);
} child_modes[] = {
	{ "write-to-write-disabled", child_write_to_write_disabled },
	{ "write-after-mprotect", child_write_after_mprotect },
	{ "read-access-disabled", child_read_access_disabled },
	{ "wrpkru-grants", child_wrpkru_grants },
};

/* ---- the cases that watch them ---- */

static const char *write_disabled_reads_ok_write_killed(void)
{
	if (!pku_enabled())
		return NO_PKU;
	/* Reads go through here, in the test itself... */
	volatile int *p = new_page();
	if (!KTAP_EXPECT(p, "mmap failed"))
		return NULL;
	long key = pkey_alloc(0, DISABLE_WRITE);
	long r = pkey_mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE, key);
	KTAP_EXPECT(key > 0 && r == 0, "pkey_alloc = %ld, pkey_mprotect = %ld", key, r);
	KTAP_EXPECT(*p == 42, "read %d through a write-disabled key, want 42", *p);
	pkey_mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE, -1);
	pkey_free(key);
	munmap((void *)p, PAGE);

	/* ...the write in a child, which it must kill. */
	char how[80];
	int status = child_run(PROG, "write-to-write-disabled");
	KTAP_EXPECT(child_killed_by(status, SIGSEGV), "a write through a write-disabled key: %s, "
		    "want SIGSEGV (exit 10: set-up failed, 11: read failed)",
		    child_describe(status, how, sizeof(how)));
	return NULL;
}

static const char *mprotect_keeps_the_key(void)
{
	if (!pku_enabled())
		return NO_PKU;
	char how[80];
	int status = child_run(PROG, "write-after-mprotect");
	KTAP_EXPECT(child_killed_by(status, SIGSEGV), "a write after mprotect(PROT_READ|PROT_WRITE) of "
		    "a write-disabled key's page: %s, want SIGSEGV (exit 10: set-up failed)",
		    child_describe(status, how, sizeof(how)));
	return NULL;
}

static const char *access_disabled_read_killed(void)
{
	if (!pku_enabled())
		return NO_PKU;
	char how[80];
	int status = child_run(PROG, "read-access-disabled");
	KTAP_EXPECT(child_killed_by(status, SIGSEGV), "a read through an access-disabled key: %s, "
		    "want SIGSEGV (exit 10: set-up failed)", child_describe(status, how, sizeof(how)));
	return NULL;
}

static void *read_pkru(void *arg)
{
	uint32_t *seen = arg;

	seen[0] = rdpkru();
	wrpkru(seen[0] | 3u << 28);	/* key 14 closed, in this thread only */
	seen[1] = rdpkru();
	return NULL;
}

static const char *thread_inherits_pkru(void)
{
	if (!pku_enabled())
		return NO_PKU;
	long key = pkey_alloc(0, DISABLE_WRITE);
	if (!KTAP_EXPECT(key > 0, "pkey_alloc = %ld", key))
		return NULL;
	uint32_t mine = rdpkru(), seen[2] = { 0, 0 };
	pthread_t t;

	if (KTAP_EXPECT(pthread_create(&t, NULL, read_pkru, seen) == 0, "pthread_create failed"))
		pthread_join(t, NULL);
	KTAP_EXPECT(seen[0] == mine, "new thread's PKRU %#x, its creator's %#x (key %ld)", seen[0], mine, key);
	KTAP_EXPECT(seen[1] == (mine | 3u << 28), "the thread's WRPKRU of %#x reads back %#x",
		    mine | 3u << 28, seen[1]);
	KTAP_EXPECT(rdpkru() == mine, "the thread's WRPKRU changed its creator's PKRU to %#x (was %#x)",
		    rdpkru(), mine);
	pkey_free(key);
	return NULL;
}

static const char *wrpkru_restores_access(void)
{
	if (!pku_enabled())
		return NO_PKU;
	char how[80];
	int status = child_run(PROG, "wrpkru-grants");
	KTAP_EXPECT(child_exited_with(status, 0), "after WRPKRU opened the key: %s, want exit 0 "
		    "(10: set-up failed, 12: PKRU lacks the rights, 13: the access failed, 14: PKRU "
		    "changed across sched_yield)", child_describe(status, how, sizeof(how)));
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "alloc_gives_1_to_15_then_enospc", alloc_gives_1_to_15_then_enospc },
	{ "alloc_bad_arguments_einval", alloc_bad_arguments_einval },
	{ "free_unallocated_einval", free_unallocated_einval },
	{ "mprotect_bad_key_einval", mprotect_bad_key_einval },
	{ "rights_live_in_pkru", rights_live_in_pkru },
	{ "write_disabled_reads_ok_write_killed", write_disabled_reads_ok_write_killed },
	{ "mprotect_keeps_the_key", mprotect_keeps_the_key },
	{ "access_disabled_read_killed", access_disabled_read_killed },
	{ "thread_inherits_pkru", thread_inherits_pkru },
	{ "wrpkru_restores_access", wrpkru_restores_access },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(child_modes) / sizeof(child_modes[0]); i++)
		if (strcmp(argv[1], child_modes[i].mode) == 0)
			return child_modes[i].run();
	return KTAP_RUN(cases);
}
