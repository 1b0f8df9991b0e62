/*
 * test-wildptr: every implemented call that takes a pointer, given pointers
 * it must not follow.  The kernel must check each one and answer as Linux
 * does (mostly -EFAULT), never fault itself, never write where it should
 * not, and leave this process running to report.
 *
 * Every call tested is a raw system call (raw_syscall.h): musl's wrappers
 * would turn the answer into -1 and errno, and some would touch the
 * pointer first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include "bounded.h"
#include "child.h"
#include "kestrel.h"
#include "ktap.h"

#define PROG		"test-wildptr"
#define PAGE_SIZE	4096UL
#define ARCH_SET_FS	0x1002
#define FUTEX_WAIT_PRIVATE	128
#define FUTEX_WAKE_PRIVATE	129

#define KERNEL_ADDR	0xffffffff80100000UL	/* the kernel's image */
#define NONCANONICAL	0x8000000000000000UL
#define USER_END	0x0000800000000000UL	/* the first address past user space */
/*
 * Linux never maps the last user page: a syscall instruction ending there
 * would make sysret return to the non-canonical USER_END, which faults in
 * ring 0 on Intel CPUs.  So an access there is always bad.
 */
#define LAST_USER_PAGE	(USER_END - PAGE_SIZE)

static struct bad {
	const char *what;
	unsigned long addr;
	bool readable;		/* only bad to write to */
} bad[9];
static int nbad;
static char *straddled_page;	/* the page just before an inaccessible one */

/*
 * Fill the straddled page with 'x' and no NUL, so that a string there runs
 * off its end.  Again before each use: a call that writes may store the
 * part that fits before it faults (Linux's copy_to_user may do that).
 */
static void fill_straddled_page(void)
{
	memset(straddled_page, 'x', PAGE_SIZE);
}

/*
 * A hole in the address space that stays a hole: made far from where
 * mmap places things, or the next mmap (malloc's, say) could fill it.
 */
#define HOLE ((char *)0x0000100000000000UL)

static unsigned long make_hole(void)
{
	char *p = mmap(HOLE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)	/* no MAP_FIXED there: any page will do */
		p = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, PAGE_SIZE))
		return 0;
	return (unsigned long)p;
}

/* Fill in bad[]: some addresses are fixed, some are made here by mmap. */
static bool find_bad_pointers(void)
{
	char *two = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long hole = make_hole();

	if (two == MAP_FAILED || ro == MAP_FAILED || !hole || mprotect(two + PAGE_SIZE, PAGE_SIZE, PROT_NONE))
		return false;
	straddled_page = two;
	fill_straddled_page();

	bad[nbad++] = (struct bad){ "NULL", 0, false };
	bad[nbad++] = (struct bad){ "0x1", 1, false };
	bad[nbad++] = (struct bad){ "kernel", KERNEL_ADDR, false };
	bad[nbad++] = (struct bad){ "non-canonical", NONCANONICAL, false };
	bad[nbad++] = (struct bad){ "end-of-user-space", USER_END - 8, false };
	bad[nbad++] = (struct bad){ "unmapped", hole, false };
	bad[nbad++] = (struct bad){ "PROT_NONE", (unsigned long)two + PAGE_SIZE, false };
	/* Two bytes before the PROT_NONE page: the kernel must check the whole range, not the start. */
	bad[nbad++] = (struct bad){ "straddling", (unsigned long)two + PAGE_SIZE - 2, false };
	bad[nbad++] = (struct bad){ "read-only", (unsigned long)ro, true };
	return true;
}

/* Calls that only read from user memory skip the read-only page. */
static bool bad_to_read(const struct bad *b)
{
	return !b->readable;
}

/* Does [addr, addr + len) reach past user space?  Linux checks that first, for every call. */
static bool beyond_user(unsigned long addr, unsigned long len)
{
	return addr >= USER_END || len > USER_END - addr;
}

static bool is_straddling(const struct bad *b)
{
	return strcmp(b->what, "straddling") == 0;
}

/* ---- write, writev, read ---- */

static const char *write_bad_buffer(void)
{
	for (int i = 0; i < nbad; i++) {
		/* Straddling: Linux writes the readable part and returns its length. */
		if (!bad_to_read(&bad[i]) || is_straddling(&bad[i]))
			continue;
		long r = raw_syscall3(SYS_write, 1, bad[i].addr, 16);
		KTAP_EXPECT(r == -EFAULT, "write(1, %s, 16) = %ld, want -EFAULT", bad[i].what, r);
	}
	return NULL;
}

static const char *writev_bad_iovec(void)
{
	for (int i = 0; i < nbad; i++) {
		if (!bad_to_read(&bad[i]))
			continue;
		long r = raw_syscall3(SYS_writev, 1, bad[i].addr, 1);
		KTAP_EXPECT(r == -EFAULT, "writev(1, iov %s, 1) = %ld, want -EFAULT", bad[i].what, r);
		if (is_straddling(&bad[i]))
			continue;
		struct iovec iov = { (void *)bad[i].addr, 16 };
		r = raw_syscall3(SYS_writev, 1, &iov, 1);
		KTAP_EXPECT(r == -EFAULT, "writev(1, {%s, 16}, 1) = %ld, want -EFAULT", bad[i].what, r);
	}
	/* Linux caps iovcnt at 1024 (UIO_MAXIOV); a kernel must not trust it. */
	struct iovec iov = { "", 0 };
	long r = raw_syscall3(SYS_writev, 1, &iov, 1025);
	KTAP_EXPECT(r == -EINVAL, "writev(iovcnt 1025) = %ld, want -EINVAL", r);
	r = raw_syscall3(SYS_writev, 1, &iov, -1);
	KTAP_EXPECT(r == -EINVAL, "writev(iovcnt -1) = %ld, want -EINVAL", r);
	return NULL;
}

/*
 * Only addresses that can never be user memory: Linux refuses those at
 * once, while a NULL or unmapped buffer is found bad only when input
 * arrives, which here it never does.  Each read is bounded (bounded.h), so
 * a kernel that waits for input first fails the case instead of hanging.
 */
static const char *read_bad_buffer(void)
{
	for (int i = 0; i < nbad; i++) {
		if (!beyond_user(bad[i].addr, 16))
			continue;
		long r = 0;
		if (!KTAP_EXPECT(bounded_syscall3(2000, &r, SYS_read, 0, bad[i].addr, 16),
				 "read(0, %s, 16) waits for input instead of failing at once", bad[i].what))
			continue;
		if (r == -EBADF)
			return "standard input is closed";
		KTAP_EXPECT(r == -EFAULT, "read(0, %s, 16) = %ld, want -EFAULT", bad[i].what, r);
	}
	return NULL;
}

/* ---- time ---- */

static const char *nanosleep_bad_pointers(void)
{
	struct timespec one_us = { 0, 1000 };

	for (int i = 0; i < nbad; i++) {
		if (bad_to_read(&bad[i])) {
			long r = raw_syscall2(SYS_nanosleep, bad[i].addr, NULL);
			KTAP_EXPECT(r == -EFAULT, "nanosleep(%s, NULL) = %ld, want -EFAULT", bad[i].what, r);
		}
		/* rem is written only if the sleep is interrupted: Linux says 0. */
		long r = raw_syscall2(SYS_nanosleep, &one_us, bad[i].addr);
		KTAP_EXPECT(r == 0 || r == -EFAULT, "nanosleep(1 us, rem %s) = %ld", bad[i].what, r);
	}
	return NULL;
}

static const char *clock_gettime_bad_pointer(void)
{
	for (int i = 0; i < nbad; i++) {
		long r = raw_syscall2(SYS_clock_gettime, CLOCK_MONOTONIC, bad[i].addr);
		KTAP_EXPECT(r == -EFAULT, "clock_gettime(MONOTONIC, %s) = %ld, want -EFAULT", bad[i].what, r);
	}
	return NULL;
}

/* ---- processes ---- */

/*
 * Linux reaps the child and then fails to store its status; a kernel that
 * checks the pointer first leaves the child to be reaped again.  Either way
 * the answer is -EFAULT.
 */
static const char *wait4_bad_status(void)
{
	for (int i = 0; i < nbad; i++) {
		if (bad[i].addr == 0)
			continue;	/* NULL: "no status wanted" */
		long pid = child_start(PROG, "exit-0");
		if (!KTAP_EXPECT(pid > 0, "starting a child: %ld", pid))
			return NULL;
		long r = raw_syscall4(SYS_wait4, pid, bad[i].addr, 0, NULL);
		KTAP_EXPECT(r == -EFAULT, "wait4(child, status %s) = %ld, want -EFAULT", bad[i].what, r);
		int status = -1;
		r = raw_syscall4(SYS_wait4, pid, &status, 0, NULL);
		KTAP_EXPECT(r == -ECHILD || (r == pid && child_exited_with(status, 0)),
			    "wait4 again after %s: %ld, status %#x", bad[i].what, r, status);
	}
	return NULL;
}

/* Linux only records the address; the kernel must not use it blindly later. */
static const char *set_tid_address_bad(void)
{
	static int tid_word;
	long tid = raw_syscall0(SYS_gettid);
	char why[80];

	for (int i = 0; i < nbad; i++) {
		long r = raw_syscall1(SYS_set_tid_address, bad[i].addr);
		KTAP_EXPECT(r == tid, "set_tid_address(%s) = %ld, want tid %ld", bad[i].what, r, tid);
	}
	raw_syscall1(SYS_set_tid_address, &tid_word);

	/* And a process that exits with such an address set must just exit. */
	for (int i = 0; i < nbad; i++) {
		char mode[32];
		snprintf(mode, sizeof(mode), "bad-tid-%d", i);
		int status = child_run(PROG, mode);
		KTAP_EXPECT(child_exited_with(status, 0), "child exiting with tid address %s: %s",
			    bad[i].what, child_describe(status, why, sizeof(why)));
	}
	return NULL;
}

/* ---- futex ---- */

static const char *futex_bad_address(void)
{
	for (int i = 0; i < nbad; i++) {
		bool misaligned = bad[i].addr % 4 != 0;
		bool not_user = beyond_user(bad[i].addr, 4);
		long r = raw_syscall4(SYS_futex, bad[i].addr, FUTEX_WAIT_PRIVATE, 1, NULL);

		if (misaligned)
			KTAP_EXPECT(r == -EINVAL, "FUTEX_WAIT on %s = %ld, want -EINVAL", bad[i].what, r);
		else if (bad[i].readable)	/* the word reads 0, not 1: no wait */
			KTAP_EXPECT(r == -EAGAIN, "FUTEX_WAIT on %s = %ld, want -EAGAIN", bad[i].what, r);
		else
			KTAP_EXPECT(r == -EFAULT, "FUTEX_WAIT on %s = %ld, want -EFAULT", bad[i].what, r);

		/* A private wake need not read the word: Linux says 0 for a user address. */
		r = raw_syscall4(SYS_futex, bad[i].addr, FUTEX_WAKE_PRIVATE, 1, NULL);
		if (misaligned)
			KTAP_EXPECT(r == -EINVAL, "FUTEX_WAKE on %s = %ld, want -EINVAL", bad[i].what, r);
		else if (not_user)
			KTAP_EXPECT(r == -EFAULT, "FUTEX_WAKE on %s = %ld, want -EFAULT", bad[i].what, r);
		else
			KTAP_EXPECT(r == 0 || r == -EFAULT, "FUTEX_WAKE on %s = %ld", bad[i].what, r);
	}
	/* The timeout is read before the word is compared. */
	int word = 0;
	long r = raw_syscall4(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, KERNEL_ADDR);
	KTAP_EXPECT(r == -EFAULT, "FUTEX_WAIT with timeout pointer kernel = %ld, want -EFAULT", r);
	return NULL;
}

/* ---- clone ---- */

/* Exactly musl's pthread_create flags, old CLONE_DETACHED included (Linux ignores it). */
#define CLONE_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
			    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
			    CLONE_DETACHED)

/*
 * clone() with musl's pthread flags.  The new thread starts after the
 * syscall instruction with the caller's registers, rax = 0 and the new
 * stack; it sets *done and exits at once, touching neither stack nor TLS.
 */
static long clone_thread_that_exits(void *stack_top, unsigned long ptid, unsigned long ctid,
				    atomic_int *done)
{
	unsigned long tls;
	long ret;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(tls));	/* share ours: it is never used */
	register unsigned long r10 __asm__("r10") = ctid;
	register unsigned long r8 __asm__("r8") = tls;
	register atomic_int *r12 __asm__("r12") = done;	/* survives into the new thread */
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "movl $1, (%%r12)\n\t"		/* the new thread */
			 "mov %[exit], %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(SYS_clone), "D"(CLONE_THREAD_FLAGS), "S"(stack_top), "d"(ptid),
			   "r"(r10), "r"(r8), "r"(r12), [exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Linux ignores a bad parent or child tid pointer; Kestrel may refuse with -EFAULT. */
static const char *clone_bad_tid_pointers(void)
{
	static char stack[4096] __attribute__((aligned(16)));

	for (int i = 0; i < nbad; i++) {
		atomic_int done = 0;
		long r = clone_thread_that_exits(stack + sizeof(stack), bad[i].addr, bad[i].addr, &done);
		KTAP_EXPECT(r > 0 || r == -EFAULT, "clone(ptid, ctid %s) = %ld", bad[i].what, r);
		if (r <= 0)
			continue;
		for (int spins = 0; !atomic_load(&done) && spins < 100000; spins++)
			raw_syscall0(SYS_sched_yield);
		KTAP_EXPECT(atomic_load(&done), "the thread cloned with %s did not run", bad[i].what);
		/* Give it time to exit, so its clear-tid write happens now, before the next clone. */
		struct timespec ms = { 0, 1000000 };
		raw_syscall2(SYS_nanosleep, &ms, NULL);
	}
	return NULL;
}

/* ---- signals ---- */

static const char *rt_sig_bad_pointers(void)
{
	for (int i = 0; i < nbad; i++) {
		long r;
		if (bad[i].addr == 0)
			continue;	/* NULL: "no new mask or action", "old one not wanted" */
		if (bad_to_read(&bad[i])) {
			r = raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, bad[i].addr, NULL, 8);
			KTAP_EXPECT(r == -EFAULT, "rt_sigprocmask(set %s) = %ld, want -EFAULT", bad[i].what, r);
			r = raw_syscall4(SYS_rt_sigaction, SIGUSR1, bad[i].addr, NULL, 8);
			KTAP_EXPECT(r == -EFAULT, "rt_sigaction(act %s) = %ld, want -EFAULT", bad[i].what, r);
		}
		r = raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, bad[i].addr, 8);
		KTAP_EXPECT(r == -EFAULT, "rt_sigprocmask(oldset %s) = %ld, want -EFAULT", bad[i].what, r);
		r = raw_syscall4(SYS_rt_sigaction, SIGUSR1, NULL, bad[i].addr, 8);
		KTAP_EXPECT(r == -EFAULT, "rt_sigaction(oldact %s) = %ld, want -EFAULT", bad[i].what, r);
	}
	return NULL;
}

/* ---- the address space itself ---- */

static const char *arch_prctl_bad_fs(void)
{
	static const unsigned long addrs[] = { KERNEL_ADDR, NONCANONICAL };
	unsigned long before, after;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(before));
	for (int i = 0; i < 2; i++) {
		long r = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, addrs[i]);
		__asm__ volatile("mov %%fs:0, %0" : "=r"(after) :: "memory");
		KTAP_EXPECT(r == -EPERM, "arch_prctl(ARCH_SET_FS, %#lx) = %ld, want -EPERM", addrs[i], r);
		KTAP_EXPECT(after == before, "%%fs changed: %%fs:0 = %#lx, was %#lx", after, before);
	}
	return NULL;
}

/* On failure brk() returns the old break: it must not move into the kernel. */
static const char *brk_bad_addresses(void)
{
	static const unsigned long addrs[] = { KERNEL_ADDR, NONCANONICAL, 1, LAST_USER_PAGE };
	long now = raw_syscall1(SYS_brk, 0);

	for (int i = 0; i < 4; i++) {
		long r = raw_syscall1(SYS_brk, addrs[i]);
		KTAP_EXPECT(r == now, "brk(%#lx) = %#lx, want the old break %#lx", addrs[i], r, now);
	}
	return NULL;
}

static const char *mm_calls_on_kernel_range(void)
{
	static const unsigned long addrs[] = { KERNEL_ADDR, NONCANONICAL, LAST_USER_PAGE };

	for (int i = 0; i < 3; i++) {
		unsigned long a = addrs[i];
		long r = raw_syscall6(SYS_mmap, a, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		KTAP_EXPECT(r == -ENOMEM, "mmap(MAP_FIXED at %#lx) = %#lx, want -ENOMEM", a, r);
		r = raw_syscall2(SYS_munmap, a, 2 * PAGE_SIZE);
		KTAP_EXPECT(r == -EINVAL, "munmap(%#lx) = %ld, want -EINVAL", a, r);
		r = raw_syscall3(SYS_mprotect, a, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
		KTAP_EXPECT(r == -ENOMEM, "mprotect(%#lx) = %ld, want -ENOMEM", a, r);
		/* Without MAP_FIXED the address is a hint, to be ignored here. */
		r = raw_syscall6(SYS_mmap, a, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		KTAP_EXPECT(r > 0 && (unsigned long)r + PAGE_SIZE <= LAST_USER_PAGE,
			    "mmap(hint %#lx) = %#lx, want a user address", a, r);
		if (r > 0)
			raw_syscall2(SYS_munmap, r, PAGE_SIZE);
	}
	return NULL;
}

/* ---- Kestrel's own calls ---- */

/*
 * Every child these calls might start runs "exit-0", or has an empty argv
 * (main() returns at once): never the whole test again.
 */
static const char *spawn_bad_pointers(void)
{
	static const char *what[5] = { "name", "argv", "argv[2]", "envp", "envp[0]" };
	char *good_argv[] = { PROG, "exit-0", NULL };

	if (!on_kestrel())
		return "not running on Kestrel";
	for (int i = 0; i < nbad; i++) {
		if (!bad_to_read(&bad[i]))
			continue;
		fill_straddled_page();
		char *bad_argv[] = { PROG, "exit-0", (char *)bad[i].addr, NULL };
		char *bad_envp[] = { (char *)bad[i].addr, NULL };
		long r[5] = {
			kestrel_spawn((char *)bad[i].addr, good_argv, environ),
			kestrel_spawn(PROG, (char **)bad[i].addr, environ),
			bad[i].addr ? kestrel_spawn(PROG, bad_argv, environ) : -EFAULT,
			kestrel_spawn(PROG, good_argv, (char **)bad[i].addr),
			bad[i].addr ? kestrel_spawn(PROG, good_argv, bad_envp) : -EFAULT,
		};
		for (int k = 0; k < 5; k++) {
			/* A NULL argv or envp may mean "empty", as for Linux's execve. */
			bool may_be_empty = bad[i].addr == 0 && (k == 1 || k == 3);
			KTAP_EXPECT(r[k] == -EFAULT || (may_be_empty && r[k] > 0),
				    "kestrel_spawn(%s %s) = %ld, want -EFAULT", what[k], bad[i].what, r[k]);
			if (r[k] > 0)
				waitpid(r[k], NULL, 0);
		}
	}
	return NULL;
}

static const char *progs_bad_buffer(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	for (int i = 0; i < nbad; i++) {
		long r = kestrel_progs((char *)bad[i].addr, 4096);
		KTAP_EXPECT(r == -EFAULT, "kestrel_progs(%s, 4096) = %ld, want -EFAULT", bad[i].what, r);
	}
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "write_bad_buffer", write_bad_buffer },
	{ "writev_bad_iovec", writev_bad_iovec },
	{ "read_bad_buffer", read_bad_buffer },
	{ "nanosleep_bad_pointers", nanosleep_bad_pointers },
	{ "clock_gettime_bad_pointer", clock_gettime_bad_pointer },
	{ "wait4_bad_status", wait4_bad_status },
	{ "set_tid_address_bad", set_tid_address_bad },
	{ "futex_bad_address", futex_bad_address },
	{ "clone_bad_tid_pointers", clone_bad_tid_pointers },
	{ "rt_sig_bad_pointers", rt_sig_bad_pointers },
	{ "arch_prctl_bad_fs", arch_prctl_bad_fs },
	{ "brk_bad_addresses", brk_bad_addresses },
	{ "mm_calls_on_kernel_range", mm_calls_on_kernel_range },
	{ "spawn_bad_pointers", spawn_bad_pointers },
	{ "progs_bad_buffer", progs_bad_buffer },
};

int main(int argc, char **argv)
{
	if (!find_bad_pointers()) {
		ktap_print("Bail out! mmap failed: %s", strerror(errno));
		return 1;
	}
	if (argc == 0 || (argc > 1 && strcmp(argv[1], "exit-0") == 0))
		return 0;
	if (argc > 1 && strncmp(argv[1], "bad-tid-", 8) == 0) {
		int i = atoi(argv[1] + 8);
		if (i < 0 || i >= nbad)
			return 100;
		raw_syscall1(SYS_set_tid_address, bad[i].addr);
		return 0;
	}
	if (argc > 1)
		return 100;
	return KTAP_RUN(cases);
}
