/*
 * test-fork: fork, vfork, posix_spawn, execve and wait4 (kernel/fork.c,
 * kernel/sys_exec.c).  A child gets a copy of the memory and the
 * registers, extended state included, but no PASID and no binding to the
 * device; execve replaces the whole program or, failing, changes nothing;
 * and every page comes back, however many children there were.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "accel.h"
#include "kestrel.h"
#include "ktap.h"

extern char **environ;
static int shared_word = 1;

static int wait_exit(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1000 - errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static const char *fork_copies_memory(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int was = shared_word;
		shared_word = 99;
		_exit(was == 1 && shared_word == 99 ? 7 : 1);
	}
	KTAP_EXPECT(pid > 0, "fork: %s", strerror(errno));
	KTAP_EXPECT(wait_exit(pid) == 7, "the child did not see the parent's memory");
	KTAP_EXPECT(shared_word == 1, "the child's write reached the parent (%d)", shared_word);
	return NULL;
}

/* fork as a raw SYSCALL with xmm3, MXCSR and r12 set: both sides read them back at once. */
static const char *fork_copies_registers(void)
{
	static const uint8_t pat[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t out[16];
	uint32_t mx = 0x7f80, mx_out, saved;
	long r12_out, ret = SYS_fork;
	__asm__ volatile("stmxcsr %[saved]\n\t"
			 "movdqu (%[in]), %%xmm3\n\t"
			 "ldmxcsr %[mx]\n\t"
			 "mov $0x1234567890, %%r12\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm3, (%[out])\n\t"
			 "stmxcsr %[mxo]\n\t"
			 "mov %%r12, %[r12o]\n\t"
			 "ldmxcsr %[saved]"
			 : "+a"(ret), [saved] "=m"(saved), [mxo] "=m"(mx_out), [r12o] "=r"(r12_out)
			 : [in] "r"(pat), [out] "r"(out), [mx] "m"(mx)
			 : "rcx", "r11", "r12", "memory", "xmm3");
	bool same = memcmp(out, pat, 16) == 0 && mx_out == 0x7f80 && r12_out == 0x1234567890;
	if (ret == 0)
		_exit(same ? 0 : 3);
	KTAP_EXPECT(ret > 0, "fork: %ld", ret);
	KTAP_EXPECT(same, "the parent's registers changed across fork");
	KTAP_EXPECT(wait_exit((pid_t)ret) == 0,
		    "the child's xmm3, MXCSR or r12 differ from the parent's");
	return NULL;
}

static const char *wait4_wnohang(void)
{
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL);
		_exit(5);
	}
	KTAP_EXPECT(waitpid(pid, &status, WNOHANG) == 0,
		    "WNOHANG on a running child did not return 0");
	KTAP_EXPECT(wait_exit(pid) == 5, "exit status");
	KTAP_EXPECT(waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD,
		    "a reaped child: errno %d", errno);
	KTAP_EXPECT(waitpid(-1, &status, 0x12345600) == -1 && errno == EINVAL,
		    "bad options: errno %d", errno);
	KTAP_EXPECT(getppid() >= 0, "getppid");
	pid = fork();
	if (pid == 0)
		_exit(getppid() == (pid_t)syscall(SYS_getpid) ? 1 : 0);
	KTAP_EXPECT(wait_exit(pid) == 0, "the child's getppid is not its parent");
	return NULL;
}

static const char *execve_replaces(void)
{
	char *argv[] = { "hello", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execve("/bin/hello", argv, environ);
		_exit(100 + errno);
	}
	KTAP_EXPECT(wait_exit(pid) == 0, "/bin/hello did not run to exit 0");
	errno = 0;
	KTAP_EXPECT(execve("/bin/no-such-program", argv, environ) == -1 && errno == ENOENT,
		    "a missing program: errno %d", errno);
	KTAP_EXPECT(execve("/usr/bin/hello", argv, environ) == -1 && errno == ENOENT,
		    "a path outside /bin: errno %d", errno);
	KTAP_EXPECT(syscall(SYS_execve, "hello", 8L, environ) == -1 && errno == EFAULT,
		    "bad argv: errno %d", errno);
	KTAP_EXPECT(shared_word == 1, "the failed execs changed this process");
	return NULL;
}

static int spawn_child(void *argv)
{
	execve("/bin/hello", argv, environ);
	return 127;
}

static const char *vfork_then_exec(void)
{
	char *argv[] = { "hello", NULL };
	volatile int marker = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		marker = 1; /* the parent's memory, until the exec */
		execve("hello", argv, environ);
		_exit(127);
	}
	KTAP_EXPECT(marker == 1, "vfork's child did not share memory");
	KTAP_EXPECT(wait_exit(pid) == 0, "vfork + execve: hello failed");
	/* musl's posix_spawn: clone(CLONE_VM | CLONE_VFORK | SIGCHLD) on a
	 * stack of its own, then execve.  (posix_spawn itself also wants a
	 * pipe2 to report the exec's errno: Kestrel has no pipes.) */
	static char stack[16384] __attribute__((aligned(16)));
	pid_t p2 =
		clone(spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, argv);
	KTAP_EXPECT(p2 > 0, "clone(CLONE_VM | CLONE_VFORK | SIGCHLD): %s", strerror(errno));
	KTAP_EXPECT(wait_exit(p2) == 0, "the clone's hello failed");
	errno = 0;
	KTAP_EXPECT(clone(spawn_child, stack + sizeof(stack), CLONE_VM | SIGCHLD, argv) == -1 &&
			    errno == EINVAL,
		    "CLONE_VM without CLONE_VFORK or CLONE_THREAD: errno %d (want EINVAL)", errno);
	return NULL;
}

/* The parent's thread has its PASID; a child never inherits it. */
static const char *pasid_not_inherited(void)
{
	void *portal = accel_portal();
	if (!portal)
		return "no accelerator (kestrel_accel_bind failed)";
	int active = 0;
	KTAP_EXPECT(accel_noop(portal) == ACCEL_STATUS_SUCCESS, "parent's ENQCMD");
	my_pasid_fixups((int)syscall(SYS_gettid), &active);
	KTAP_EXPECT(active, "the parent's PASID is not active");
	pid_t pid = fork();
	if (pid == 0) {
		int a = 1;
		my_pasid_fixups((int)syscall(SYS_gettid), &a);
		_exit(a ? 1 : 0);
	}
	KTAP_EXPECT(wait_exit(pid) == 0, "the child inherited an active PASID");
	pid = fork();
	if (pid == 0) {
		accel_noop(portal); /* no binding, no portal: SIGSEGV */
		_exit(0);
	}
	KTAP_EXPECT(wait_exit(pid) == -SIGSEGV,
		    "a child's ENQCMD to its parent's portal did not fault");
	return NULL;
}

static void *spin(void *arg)
{
	while (!*(volatile int *)arg)
		sched_yield();
	return NULL;
}

static const char *fork_and_exec_with_threads(void)
{
	static int stop;
	pthread_t th;
	pthread_create(&th, NULL, spin, &stop);
	pid_t pid = fork();
	if (pid == 0)
		_exit(7); /* only this thread was copied */
	KTAP_EXPECT(wait_exit(pid) == 7, "fork from a threaded process");
	pid = fork();
	if (pid == 0) {
		static int never;
		pthread_t t2;
		pthread_create(&t2, NULL, spin, &never);
		char *argv[] = { "hello", NULL };
		execve("hello", argv, environ); /* ends the other thread first */
		_exit(127);
	}
	KTAP_EXPECT(wait_exit(pid) == 0, "execve from a threaded child");
	stop = 1;
	pthread_join(th, NULL);
	return NULL;
}

/* Fork until the kernel refuses; every refusal an error, every page back. */
static const char *fork_until_refused(void)
{
	static pid_t kids[8192];
	int n = 0, err = 0;
	long before = kestrel_free_pages();
	for (; n < 8192; n++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n] = pid;
	}
	ktap_note("%d children before the kernel refused (errno %d)", n, err);
	KTAP_EXPECT(n > 10 && (err == EAGAIN || err == ENOMEM), "%d children, errno %d", n, err);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int bad = 0;
	for (int i = 0; i < n; i++)
		bad += wait_exit(kids[i]) != -SIGKILL;
	KTAP_EXPECT(bad == 0, "%d children did not end by SIGKILL", bad);
	KTAP_EXPECT(kestrel_free_pages() == before, "free pages %ld before, %ld after", before,
		    kestrel_free_pages());
	return NULL;
}

int main(void)
{
	if (!on_kestrel())
		return 4;
	static const struct ktap_case cases[] = {
		{ "fork_copies_memory", fork_copies_memory },
		{ "fork_copies_registers", fork_copies_registers },
		{ "wait4_wnohang", wait4_wnohang },
		{ "execve_replaces", execve_replaces },
		{ "vfork_then_exec", vfork_then_exec },
		{ "pasid_not_inherited", pasid_not_inherited },
		{ "fork_and_exec_with_threads", fork_and_exec_with_threads },
		{ "fork_until_refused", fork_until_refused },
	};
	return KTAP_RUN(cases);
}
