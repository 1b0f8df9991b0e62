/*
 * test-syscalls: the simple Linux system calls Kestrel implements, each
 * checked for Linux's answer.  Raw syscalls (raw_syscall.h) where the exact
 * -errno matters; musl's wrappers where what matters is that musl works.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "bounded.h"
#include "kestrel.h"
#include "ktap.h"

#define ARCH_SET_FS	0x1002		/* <asm/prctl.h>, which musl lacks */
#define ARCH_GET_FS	0x1003
#define PAGE_SIZE	4096UL

static long long ns_between(struct timespec a, struct timespec b)
{
	return (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
}

static const char *write_returns_count(void)
{
	char line[100];
	int len = snprintf(line, sizeof(line), "%*s# write: one line, its length checked\n",
			   ktap_indent(), "");
	long r = raw_syscall3(SYS_write, 1, line, len);

	KTAP_EXPECT(r == len, "write(1, line, %d) = %ld", len, r);
	r = raw_syscall3(SYS_write, 2, line, 0);
	KTAP_EXPECT(r == 0, "write(2, line, 0) = %ld", r);
	return NULL;
}

static const char *writev_returns_count(void)
{
	char indent[80];
	snprintf(indent, sizeof(indent), "%*s", ktap_indent(), "");
	/*
	 * Empty pieces must be skipped, not end the write, and an empty one
	 * may point nowhere: musl's stdio sends { NULL, 0 } as a second piece.
	 */
	struct iovec iov[] = {
		{ indent, strlen(indent) },
		{ "# writev: ", 10 },
		{ "ignored", 0 },
		{ "five pieces, one line\n", 22 },
		{ NULL, 0 },
	};
	long want = iov[0].iov_len + 10 + 22;
	long r = raw_syscall3(SYS_writev, 1, iov, 5);

	KTAP_EXPECT(r == want, "writev(1, iov, 5) = %ld, want %ld", r, want);
	r = raw_syscall3(SYS_writev, 1, iov, 0);
	KTAP_EXPECT(r == 0, "writev(1, iov, 0) = %ld", r);
	return NULL;
}

static const char *write_bad_fd_ebadf(void)
{
	long r = raw_syscall3(SYS_write, 9, "x", 1);
	KTAP_EXPECT(r == -EBADF, "write(9) = %ld, want -EBADF", r);
	r = raw_syscall3(SYS_write, -1, "x", 1);
	KTAP_EXPECT(r == -EBADF, "write(-1) = %ld, want -EBADF", r);
	r = raw_syscall3(SYS_read, 9, &r, 1);
	KTAP_EXPECT(r == -EBADF, "read(9) = %ld, want -EBADF", r);
	return NULL;
}

/* Linux returns 0 at once for a read of nothing, without waiting for input. */
static const char *read_zero_bytes(void)
{
	char c;
	long r = 0;

	if (!KTAP_EXPECT(bounded_syscall3(2000, &r, SYS_read, 0, (long)&c, 0),
			 "read(0, buf, 0) waits for input"))
		return NULL;
	if (r == -EBADF)
		return "standard input is closed";
	KTAP_EXPECT(r == 0, "read(0, buf, 0) = %ld, want 0", r);
	return NULL;
}

static const char *getpid_gettid(void)
{
	long pid = raw_syscall0(SYS_getpid), tid = raw_syscall0(SYS_gettid);

	KTAP_EXPECT(pid > 0, "getpid() = %ld", pid);
	/* Linux: the first thread of a process has tid == pid. */
	KTAP_EXPECT(tid == pid, "gettid() = %ld, getpid() = %ld", tid, pid);
	KTAP_EXPECT(getpid() == pid, "musl's getpid() = %d", getpid());
	return NULL;
}

static const char *monotonic_clock_counts_sleep(void)
{
	struct timespec t0, t1, req = { 0, 20 * 1000 * 1000 };

	KTAP_EXPECT(clock_gettime(CLOCK_MONOTONIC, &t0) == 0, "clock_gettime: %s", strerror(errno));
	long r = raw_syscall2(SYS_nanosleep, &req, NULL);
	KTAP_EXPECT(clock_gettime(CLOCK_MONOTONIC, &t1) == 0, "clock_gettime: %s", strerror(errno));
	KTAP_EXPECT(r == 0, "nanosleep(20 ms) = %ld", r);
	long long ns = ns_between(t0, t1);
	KTAP_EXPECT(ns >= 20 * 1000 * 1000, "slept only %lld ns", ns);
	KTAP_EXPECT(ns < 10 * 1000000000LL, "a 20 ms sleep took %lld ns", ns);
	KTAP_EXPECT(t1.tv_nsec >= 0 && t1.tv_nsec < 1000000000, "tv_nsec = %ld", t1.tv_nsec);
	return NULL;
}

static const char *realtime_clock_valid(void)
{
	struct timespec a, b;
	long r1 = raw_syscall2(SYS_clock_gettime, CLOCK_REALTIME, &a);
	long r2 = raw_syscall2(SYS_clock_gettime, CLOCK_REALTIME, &b);

	KTAP_EXPECT(r1 == 0 && r2 == 0, "clock_gettime(CLOCK_REALTIME) = %ld, %ld", r1, r2);
	KTAP_EXPECT(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec = %ld", a.tv_nsec);
	KTAP_EXPECT(ns_between(a, b) >= 0, "realtime went back %lld ns", -ns_between(a, b));
	return NULL;
}

static const char *bad_clock_einval(void)
{
	struct timespec ts;
	long r = raw_syscall2(SYS_clock_gettime, 12345, &ts);

	KTAP_EXPECT(r == -EINVAL, "clock_gettime(12345) = %ld, want -EINVAL", r);
	r = raw_syscall2(SYS_clock_gettime, -1, &ts);
	KTAP_EXPECT(r == -EINVAL, "clock_gettime(-1) = %ld, want -EINVAL", r);
	return NULL;
}

static const char *nanosleep_bad_time_einval(void)
{
	static const struct timespec bad[] = {
		{ 0, 1000000000 }, { 0, -1 }, { -1, 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = raw_syscall2(SYS_nanosleep, &bad[i], NULL);
		KTAP_EXPECT(r == -EINVAL, "nanosleep({%ld, %ld}) = %ld, want -EINVAL",
			    (long)bad[i].tv_sec, bad[i].tv_nsec, r);
	}
	struct timespec zero = { 0, 0 };
	long r = raw_syscall2(SYS_nanosleep, &zero, NULL);
	KTAP_EXPECT(r == 0, "nanosleep({0, 0}) = %ld", r);
	return NULL;
}

static const char *sched_yield_returns_0(void)
{
	for (int i = 0; i < 3; i++) {
		long r = raw_syscall0(SYS_sched_yield);
		KTAP_EXPECT(r == 0, "sched_yield() = %ld", r);
	}
	return NULL;
}

/* Kestrel's console is a terminal of a fixed 80x24 (so musl line-buffers stdout). */
static const char *tiocgwinsz_console_size(void)
{
	struct winsize ws = { 0 };
	if (!on_kestrel())
		return "not running on Kestrel";
	long r = raw_syscall3(SYS_ioctl, 1, TIOCGWINSZ, &ws);
	KTAP_EXPECT(r == 0 && ws.ws_col == 80 && ws.ws_row == 24,
		    "ioctl(1, TIOCGWINSZ) = %ld, %ux%u; want 0, 80x24", r, ws.ws_col, ws.ws_row);
	r = raw_syscall3(SYS_ioctl, 7, TIOCGWINSZ, &ws);
	KTAP_EXPECT(r == -EBADF, "ioctl(7, TIOCGWINSZ) = %ld, want -EBADF", r);
	r = raw_syscall3(SYS_ioctl, 1, TCGETS, &ws);
	KTAP_EXPECT(r == -ENOTTY, "ioctl(1, TCGETS) = %ld, want -ENOTTY", r);
	r = raw_syscall3(SYS_ioctl, 1, TIOCGWINSZ, NULL);
	KTAP_EXPECT(r == -EFAULT, "ioctl(1, TIOCGWINSZ, NULL) = %ld, want -EFAULT", r);
	return NULL;
}

static const char *unknown_syscall_enosys(void)
{
	/* -1: a kernel that compares the number as signed indexes table[-1]. */
	static const long numbers[] = { 999, 0x20000fff, 0x1fffffff, -1 };

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		long r = raw_syscall0(numbers[i]);
		KTAP_EXPECT(r == -ENOSYS, "syscall(%#lx) = %ld, want -ENOSYS", numbers[i], r);
	}
	return NULL;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Runs first: musl's malloc also moves the break, and must not have yet. */
static const char *brk_grows_zeroed(void)
{
	const unsigned long grow = 16 * PAGE_SIZE;
	unsigned long start = raw_syscall1(SYS_brk, 0);
	unsigned long got = raw_syscall1(SYS_brk, start + grow);
	unsigned char *p = (unsigned char *)start;

	if (!KTAP_EXPECT(got == start + grow, "brk(%#lx) = %#lx", start + grow, got))
		return NULL;
	KTAP_EXPECT(all_zero(p, grow), "new break memory is not zeroed");
	memset(p, 0xa5, grow);
	KTAP_EXPECT(p[grow - 1] == 0xa5, "break memory does not keep what is written");

	/* Shrink and grow again: whole pages must come back zeroed, not reused dirty. */
	got = raw_syscall1(SYS_brk, start);
	KTAP_EXPECT(got == start, "shrinking: brk(%#lx) = %#lx", start, got);
	got = raw_syscall1(SYS_brk, start + grow);
	KTAP_EXPECT(got == start + grow, "growing again: brk(%#lx) = %#lx", start + grow, got);
	unsigned long page = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	KTAP_EXPECT(all_zero((unsigned char *)page, start + grow - page),
		    "memory given back and taken again still holds old data");
	raw_syscall1(SYS_brk, start);
	return NULL;
}

static const char *set_tid_address_returns_tid(void)
{
	/*
	 * The kernel clears this word and wakes it when the thread exits.
	 * A static word, because the setting outlives this function.
	 */
	static int tid_word;
	long r = raw_syscall1(SYS_set_tid_address, &tid_word);

	KTAP_EXPECT(r == raw_syscall0(SYS_gettid), "set_tid_address() = %ld, gettid() = %ld",
		    r, raw_syscall0(SYS_gettid));
	return NULL;
}

/*
 * The x86-64 TLS ABI: %fs holds the thread pointer, and the word at %fs:0
 * is the thread pointer itself (musl's pthread_self() reads it).  Point %fs
 * at a fake block and back; nothing between may use libc, which needs %fs.
 */
static const char *arch_prctl_set_fs(void)
{
	static unsigned long fake[4];
	unsigned long self, seen = 0, marker = 0;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	fake[0] = (unsigned long)fake;
	fake[1] = 0x4b455354;
	long set = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, fake);
	if (set == 0)
		__asm__ volatile("mov %%fs:0, %0\n\tmov %%fs:8, %1" : "=r"(seen), "=r"(marker) :: "memory");
	long back = raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, self);

	KTAP_EXPECT(set == 0, "arch_prctl(ARCH_SET_FS, fake) = %ld", set);
	KTAP_EXPECT(seen == (unsigned long)fake && marker == fake[1],
		    "%%fs:0 = %#lx, %%fs:8 = %#lx after ARCH_SET_FS(%p)", seen, marker, (void *)fake);
	KTAP_EXPECT(back == 0, "arch_prctl(ARCH_SET_FS, self) = %ld", back);
	KTAP_EXPECT(self == (unsigned long)pthread_self(), "%%fs:0 = %#lx, pthread_self() = %p",
		    self, (void *)pthread_self());

	unsigned long base = 0;
	long get = raw_syscall2(SYS_arch_prctl, ARCH_GET_FS, &base);
	if (get == -EINVAL || get == -ENOSYS)
		return "ARCH_GET_FS not supported";
	KTAP_EXPECT(get == 0 && base == self, "ARCH_GET_FS = %ld, base %#lx, want %#lx", get, base, self);
	return NULL;
}

static __thread int tls_value = 42;

static void *tls_thread(void *arg)
{
	int *seen = arg;

	seen[0] = tls_value;
	tls_value = 99;
	seen[1] = tls_value;
	return (void *)&tls_value;
}

static const char *tls_is_per_thread(void)
{
	int seen[2] = { -1, -1 };
	pthread_t t;
	void *their_copy = NULL;

	KTAP_EXPECT(tls_value == 42, "main thread: __thread initial value %d, want 42", tls_value);
	tls_value = 7;
	if (!KTAP_EXPECT(pthread_create(&t, NULL, tls_thread, seen) == 0, "pthread_create failed"))
		return NULL;
	pthread_join(t, &their_copy);
	KTAP_EXPECT(seen[0] == 42, "new thread: initial value %d, want 42 (its own copy)", seen[0]);
	KTAP_EXPECT(seen[1] == 99, "new thread: wrote 99, read %d", seen[1]);
	KTAP_EXPECT(tls_value == 7, "main thread's copy changed to %d", tls_value);
	KTAP_EXPECT(their_copy != &tls_value, "both threads' copies at %p", their_copy);
	return NULL;
}

/* No signal is ever delivered, but the mask is kept: musl saves and restores it. */
static const char *rt_sigprocmask_keeps_mask(void)
{
	uint64_t usr1 = 1ULL << (SIGUSR1 - 1), start = 0, old = ~0ULL, now = 0;
	long r = raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &start, 8);

	KTAP_EXPECT(r == 0, "rt_sigprocmask(SIG_BLOCK, NULL) = %ld", r);
	r = raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, &usr1, &old, 8);
	KTAP_EXPECT(r == 0 && old == start, "blocking SIGUSR1: %ld, old mask %#llx, want %#llx",
		    r, (unsigned long long)old, (unsigned long long)start);
	r = raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &now, 8);
	KTAP_EXPECT(r == 0 && now == (start | usr1), "mask now %#llx (r %ld), want %#llx",
		    (unsigned long long)now, r, (unsigned long long)(start | usr1));
	r = raw_syscall4(SYS_rt_sigprocmask, SIG_SETMASK, &start, NULL, 8);
	KTAP_EXPECT(r == 0, "rt_sigprocmask(SIG_SETMASK) = %ld", r);
	r = raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, &usr1, NULL, 4);
	KTAP_EXPECT(r == -EINVAL, "sigsetsize 4: %ld, want -EINVAL", r);
	return NULL;
}

static const char *rt_sigaction_accepted(void)
{
	/* The kernel's struct: handler, flags, restorer, mask. */
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; }
		act = { SIG_IGN, 0, NULL, 0 }, old;
	long r = raw_syscall4(SYS_rt_sigaction, SIGUSR1, &act, &old, 8);

	KTAP_EXPECT(r == 0, "rt_sigaction(SIGUSR1) = %ld", r);
	if (r == 0)
		raw_syscall4(SYS_rt_sigaction, SIGUSR1, &old, NULL, 8);
	r = raw_syscall4(SYS_rt_sigaction, SIGUSR1, &act, NULL, 4);
	KTAP_EXPECT(r == -EINVAL, "sigsetsize 4: %ld, want -EINVAL", r);
	return NULL;
}

static const char *set_robust_list_accepted(void)
{
	static struct { void *next; long offset; void *pending; } head = { &head, 0, NULL };
	long r = raw_syscall2(SYS_set_robust_list, &head, sizeof(head));

	KTAP_EXPECT(r == 0, "set_robust_list(&head, 24) = %ld", r);
	r = raw_syscall2(SYS_set_robust_list, &head, sizeof(head) - 1);
	KTAP_EXPECT(r == -EINVAL, "set_robust_list(&head, 23) = %ld, want -EINVAL", r);
	return NULL;
}

static const char *wait4_without_children_echild(void)
{
	int status;
	long r = raw_syscall4(SYS_wait4, -1, &status, 0, NULL);

	KTAP_EXPECT(r == -ECHILD, "wait4(-1) = %ld, want -ECHILD", r);
	r = raw_syscall4(SYS_wait4, -1, &status, WNOHANG, NULL);
	KTAP_EXPECT(r == -ECHILD, "wait4(-1, WNOHANG) = %ld, want -ECHILD", r);
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "brk_grows_zeroed", brk_grows_zeroed },
	{ "write_returns_count", write_returns_count },
	{ "writev_returns_count", writev_returns_count },
	{ "write_bad_fd_ebadf", write_bad_fd_ebadf },
	{ "read_zero_bytes", read_zero_bytes },
	{ "getpid_gettid", getpid_gettid },
	{ "monotonic_clock_counts_sleep", monotonic_clock_counts_sleep },
	{ "realtime_clock_valid", realtime_clock_valid },
	{ "bad_clock_einval", bad_clock_einval },
	{ "nanosleep_bad_time_einval", nanosleep_bad_time_einval },
	{ "sched_yield_returns_0", sched_yield_returns_0 },
	{ "tiocgwinsz_console_size", tiocgwinsz_console_size },
	{ "unknown_syscall_enosys", unknown_syscall_enosys },
	{ "set_tid_address_returns_tid", set_tid_address_returns_tid },
	{ "arch_prctl_set_fs", arch_prctl_set_fs },
	{ "tls_is_per_thread", tls_is_per_thread },
	{ "rt_sigprocmask_keeps_mask", rt_sigprocmask_keeps_mask },
	{ "rt_sigaction_accepted", rt_sigaction_accepted },
	{ "set_robust_list_accepted", set_robust_list_accepted },
	{ "wait4_without_children_echild", wait4_without_children_echild },
};

int main(void)
{
	return KTAP_RUN(cases);
}
