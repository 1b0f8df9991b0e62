/*
 * test-signals: signal delivery as Linux x86-64 does it (docs/signals.md):
 * siginfo, masks, SA_* flags, restarts, the alternate stack, waiting for
 * signals, default actions, and every CPU exception as its signal with
 * Linux's si_code, si_addr, REG_TRAPNO and REG_ERR.  Deaths run in a child
 * (child.h), so the parent can watch them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "child.h"
#include "cpu.h"
#include "ktap.h"
#include "uapi/signal.h"

#define PROG "test-signals"

static volatile int got_sig, got_code, got_pid, depth, max_depth, count;
static volatile uint64_t got_addr, got_rip, got_trapno, got_err, got_mask, got_rsp;
static volatile uint32_t got_pkey;
static volatile uint64_t skip_bytes; /* the fault handler moves RIP past the faulting insn */

static void catcher(int sig, siginfo_t *si, void *ctx)
{
	struct k_ucontext *uc = ctx;
	struct k_siginfo *k = (struct k_siginfo *)si;
	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	got_rsp = rsp;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = k->kill.pid;
	got_addr = k->fault.addr;
	got_pkey = k->fault.pkey;
	got_rip = uc->uc_mcontext.rip;
	got_trapno = uc->uc_mcontext.trapno;
	got_err = uc->uc_mcontext.err;
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	memcpy((void *)&got_mask, &now, 8);
	uc->uc_mcontext.rip += skip_bytes;
	uc->uc_mcontext.eflags &= ~0x100ul; /* TF: one single-step trap is enough */
	if (sig == SIGFPE && uc->uc_mcontext.fpstate) {
		/* Let the retried instruction pass: x87 and SSE exceptions masked
		 * and their flags clear, in the state sigreturn will load. */
		uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpstate;
		*(uint16_t *)(fp + 0) |= 0x3f;	 /* FCW: mask all */
		*(uint16_t *)(fp + 2) &= ~0xbfu; /* FSW: no exception flags, ES, B */
		*(uint32_t *)(fp + 24) = 0x1f80; /* MXCSR */
	}
	count++;
}

static void on(int sig, int flags)
{
	struct sigaction sa = { .sa_sigaction = catcher, .sa_flags = SA_SIGINFO | flags };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	got_sig = got_code = got_pid = count = 0;
	got_addr = got_rip = got_trapno = got_err = 0;
	skip_bytes = 0;
}

static const char *raise_delivers_siginfo(void)
{
	reset();
	on(SIGUSR1, 0);
	raise(SIGUSR1);
	KTAP_EXPECT(got_sig == SIGUSR1 && count == 1, "handler: signal %d, %d times", got_sig,
		    count);
	KTAP_EXPECT(got_code == SI_TKILL, "si_code %d, want SI_TKILL (tgkill)", got_code);
	KTAP_EXPECT(got_pid == getpid(), "si_pid %d, want %d", got_pid, getpid());
	KTAP_EXPECT(got_mask & (1ul << (SIGUSR1 - 1)), "SIGUSR1 not blocked in its own handler");
	kill(getpid(), SIGUSR1);
	KTAP_EXPECT(count == 2 && got_code == SI_USER, "kill(): %d deliveries, si_code %d", count,
		    got_code);
	return NULL;
}

static const char *blocked_stays_pending(void)
{
	sigset_t set, pend;
	reset();
	on(SIGUSR2, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	KTAP_EXPECT(count == 0, "a blocked signal was delivered");
	sigpending(&pend);
	KTAP_EXPECT(sigismember(&pend, SIGUSR2), "sigpending() does not show it");
	raise(SIGUSR2); /* a standard signal is pending once */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	KTAP_EXPECT(count == 1, "unblocking delivered it %d times, want 1", count);
	return NULL;
}

static void nest(int sig, siginfo_t *si, void *ctx)
{
	(void)si, (void)ctx;
	if (++depth > max_depth)
		max_depth = depth;
	if (++count < 3)
		raise(sig); /* nested with SA_NODEFER, else after this handler returns */
	depth--;
}

static const char *nodefer_and_resethand(void)
{
	struct sigaction sa = { .sa_sigaction = nest, .sa_flags = SA_SIGINFO | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	depth = max_depth = count = 0;
	raise(SIGUSR1);
	KTAP_EXPECT(max_depth == 3, "SA_NODEFER: nested %d deep, want 3", max_depth);
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	depth = max_depth = count = 0;
	raise(SIGUSR1);
	KTAP_EXPECT(max_depth == 1 && count == 3,
		    "without SA_NODEFER: nested %d deep, want 1 (%d calls)", max_depth, count);
	reset();
	on(SIGUSR1, SA_RESETHAND);
	raise(SIGUSR1);
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	KTAP_EXPECT(count == 1 && now.sa_handler == SIG_DFL, "SA_RESETHAND: handler not reset");
	return NULL;
}

/* A thread signals the main thread while it sleeps in an untimed futex wait. */
static int futex_word;
static pthread_t main_thread;
static void *poke(void *arg)
{
	usleep(20000);
	pthread_kill(main_thread, SIGUSR1);
	if (arg) { /* then end the wait for real */
		usleep(20000);
		__atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &futex_word, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
	}
	return NULL;
}

static long futex_wait_poked(int flags, bool wake)
{
	pthread_t th;
	reset();
	on(SIGUSR1, flags);
	futex_word = 0;
	main_thread = pthread_self();
	pthread_create(&th, NULL, poke, wake ? (void *)1 : NULL);
	long r = syscall(SYS_futex, &futex_word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
	long e = r < 0 ? errno : 0;
	pthread_join(th, NULL);
	return r < 0 ? -e : r;
}

static const char *eintr_or_restart(void)
{
	long r = futex_wait_poked(0, false);
	KTAP_EXPECT(count == 1 && r == -EINTR, "no SA_RESTART: futex wait gave %ld, want -EINTR",
		    r);
	r = futex_wait_poked(SA_RESTART, true);
	KTAP_EXPECT(count == 1 && r == 0,
		    "SA_RESTART: futex wait gave %ld, want 0 after the real wake", r);
	return NULL;
}

static char altstack[65536] __attribute__((aligned(16)));

static const char *alternate_stack(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) }, old;
	KTAP_EXPECT(sigaltstack(&ss, NULL) == 0, "sigaltstack: %s", strerror(errno));
	reset();
	on(SIGUSR1, SA_ONSTACK);
	raise(SIGUSR1);
	KTAP_EXPECT(got_rsp >= (uint64_t)altstack &&
			    got_rsp < (uint64_t)altstack + sizeof(altstack),
		    "SA_ONSTACK handler ran at %#lx", (unsigned long)got_rsp);
	reset();
	on(SIGUSR1, 0);
	raise(SIGUSR1);
	KTAP_EXPECT(got_rsp < (uint64_t)altstack ||
			    got_rsp >= (uint64_t)altstack + sizeof(altstack),
		    "a handler without SA_ONSTACK ran on the alternate stack");
	ss.ss_size = MINSIGSTKSZ - 1;
	KTAP_EXPECT(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "a %d-byte stack was accepted",
		    MINSIGSTKSZ - 1);
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0x100;
	KTAP_EXPECT(sigaltstack(&ss, NULL) == -1 && errno == EINVAL, "bad ss_flags accepted");
	ss.ss_flags = SS_DISABLE;
	KTAP_EXPECT(sigaltstack(&ss, &old) == 0 && old.ss_sp == altstack,
		    "disable, or old stack wrong");
	sigaltstack(NULL, &old);
	KTAP_EXPECT(old.ss_flags == SS_DISABLE, "ss_flags %d after SS_DISABLE", old.ss_flags);
	return NULL;
}

/* The frame does not fit the alternate stack: SIGSEGV, as Linux. */
static const char *overflowing_altstack_is_sigsegv(void)
{
	static char small[MINSIGSTKSZ + 1];
	stack_t ss = { .ss_sp = small, .ss_size = sizeof(small) };
	if (getauxval(AT_MINSIGSTKSZ) < sizeof(small))
		return "AT_MINSIGSTKSZ fits in MINSIGSTKSZ + 1 bytes on this CPU (no XSAVE)";
	sigaltstack(&ss, NULL);
	reset();
	on(SIGSEGV, 0);
	on(SIGALRM, SA_ONSTACK);
	raise(SIGALRM);
	KTAP_EXPECT(got_sig == SIGSEGV, "got signal %d, want SIGSEGV", got_sig);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	return NULL;
}

static void *send_usr2(void *arg)
{
	usleep(20000);
	kill(getpid(), (int)(long)arg);
	return NULL;
}

static const char *suspend_and_timedwait(void)
{
	sigset_t block, empty, now;
	pthread_t th;
	reset();
	on(SIGUSR2, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	pthread_create(&th, NULL, send_usr2, (void *)(long)SIGUSR2);
	sigemptyset(&empty);
	int r = sigsuspend(&empty);
	pthread_join(th, NULL);
	KTAP_EXPECT(r == -1 && errno == EINTR && count == 1, "sigsuspend: %d errno %d, handled %d",
		    r, errno, count);
	sigprocmask(SIG_BLOCK, NULL, &now);
	KTAP_EXPECT(sigismember(&now, SIGUSR2), "sigsuspend did not put the mask back");
	KTAP_EXPECT(!(got_mask & (1ul << (SIGUSR1 - 1))) && (got_mask & (1ul << (SIGUSR2 - 1))),
		    "handler's mask %#lx", (unsigned long)got_mask);

	siginfo_t si;
	raise(SIGUSR2);
	struct timespec ts = { 0, 0 };
	r = sigtimedwait(&block, &si, &ts);
	KTAP_EXPECT(r == SIGUSR2 && si.si_code == SI_TKILL, "sigtimedwait: %d, si_code %d", r,
		    si.si_code);
	ts.tv_nsec = 30000000;
	r = sigtimedwait(&block, &si, &ts);
	KTAP_EXPECT(r == -1 && errno == EAGAIN, "sigtimedwait with nothing pending: %d errno %d", r,
		    errno);
	pthread_create(&th, NULL, send_usr2, (void *)(long)SIGUSR2);
	r = sigwaitinfo(&block, &si);
	pthread_join(th, NULL);
	KTAP_EXPECT(r == SIGUSR2 && si.si_code == SI_USER && count == 1,
		    "sigwaitinfo: %d, si_code %d, handler ran %d", r, si.si_code, count);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return NULL;
}

static const char *kill_checks(void)
{
	KTAP_EXPECT(kill(getpid(), 0) == 0, "kill(self, 0): %s", strerror(errno));
	KTAP_EXPECT(kill(999999, 0) == -1 && errno == ESRCH, "kill of no process: errno %d", errno);
	KTAP_EXPECT(kill(getpid(), 65) == -1 && errno == EINVAL, "signal 65: errno %d", errno);
	KTAP_EXPECT(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1) == -1 && errno == ESRCH,
		    "tgkill of no thread: errno %d", errno);
	KTAP_EXPECT(syscall(SYS_tgkill, getpid() + 1000, syscall(SYS_gettid), SIGUSR1) == -1 &&
			    errno == ESRCH,
		    "tgkill with the wrong tgid: errno %d", errno);
	struct sigaction sa = { .sa_handler = SIG_IGN };
	KTAP_EXPECT(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL,
		    "SIGKILL's action changed");
	return NULL;
}

/* ---- faults: each instruction, its signal, and Linux's codes ---- */

struct fault {
	const char *name;
	void (*act)(void);
	uint64_t len; /* bytes of the faulting instruction, to skip it */
	int sig, code, trapno;
	int err;	  /* REG_ERR, or -1 to ignore */
	bool addr_is_rip; /* si_addr: the instruction (else the data address) */
	uint64_t addr;
};

/* Fixed registers, so each instruction's length is known: c7 00 imm32, 8b 00. */
static void f_null_write(void) { __asm__ volatile("movl $1, (%0)" ::"a"(0L) : "memory"); }
static char ro_page[4096] __attribute__((aligned(4096))) = "read-only";
static void f_ro_write(void) { __asm__ volatile("movl $1, (%0)" ::"a"(ro_page) : "memory"); }
static void f_gp(void)
{
	uint64_t a = 0x8000000000000000ul;
	__asm__ volatile("movl (%0), %%eax" : "+a"(a));
}
static void f_ud(void) { __asm__ volatile("ud2"); }
static void f_de(void)
{
	__asm__ volatile("xor %%edx, %%edx\n\txor %%ecx, %%ecx\n\tdivl %%ecx" ::
				 : "eax", "ecx", "edx");
}
static void f_int3(void) { __asm__ volatile("int3"); }
static void f_tf(void)
{
	__asm__ volatile("pushf\n\torq $0x100, (%%rsp)\n\tpopf\n\tnop\n\tpushf\n\tandq $~0x100, "
			 "(%%rsp)\n\tpopf" ::
				 : "cc", "memory");
}
static uint32_t mxcsr_after;
static void f_sse_div(void)
{
	/* Unmask divide-by-zero (MXCSR.ZM, bit 9), then 1.0 / 0.0. */
	uint32_t m = 0x1f80 & ~(1u << 9), old;
	double one = 1.0, zero = 0.0;
	__asm__ volatile("stmxcsr %[old]\n\tldmxcsr %[m]\n\tmovsd %[one], %%xmm0\n\tdivsd %[zero], "
			 "%%xmm0\n\t"
			 "stmxcsr %[after]\n\tldmxcsr %[old]"
			 : [old] "=m"(old), [after] "=m"(mxcsr_after)
			 : [m] "m"(m), [one] "m"(one), [zero] "m"(zero)
			 : "xmm0");
}
static void f_x87_div(void)
{
	/* Unmask x87 zero-divide (FCW.ZM, bit 2): FDIV sets it, the next FWAIT raises #MF. */
	uint16_t cw = 0x037f & ~(1u << 2), old;
	__asm__ volatile("fnstcw %[old]\n\tfldcw %[cw]\n\tfld1\n\tfldz\n\tfdivrp\n\tfwait\n\t"
			 "fnclex\n\tfstp %%st(0)\n\tfldcw %[old]"
			 : [old] "=m"(old)
			 : [cw] "m"(cw)
			 : "st");
}

static const struct fault faults[] = {
	{ "null-write", f_null_write, 6, SIGSEGV, SEGV_MAPERR, 14, 6, false, 0 },
	{ "readonly-write", f_ro_write, 6, SIGSEGV, SEGV_ACCERR, 14, 7, false, 1 },
	{ "noncanonical-read", f_gp, 2, SIGSEGV, SI_KERNEL, 13, 0, false, 0 },
	{ "ud2", f_ud, 2, SIGILL, ILL_ILLOPN, 6, -1, true, 0 },
	{ "divide-by-zero", f_de, 2, SIGFPE, FPE_INTDIV, 0, -1, true, 0 },
	{ "int3", f_int3, 0, SIGTRAP, SI_KERNEL, 3, -1, false, 0 },
	{ "single-step", f_tf, 0, SIGTRAP, TRAP_TRACE, 1, -1, true, 0 },
	{ "sse-divide-by-zero", f_sse_div, 0, SIGFPE, FPE_FLTDIV, 19, -1, true, 0 },
	{ "x87-divide-by-zero", f_x87_div, 0, SIGFPE, FPE_FLTDIV, 16, -1, true, 0 },
};
#define NFAULTS (int)(sizeof(faults) / sizeof(faults[0]))

/* In a child: catch the fault, report what the handler saw by exit code. */
static int fault_child(const struct fault *f)
{
	if (f == &faults[1])
		mprotect(ro_page, 4096, PROT_READ);
	reset();
	skip_bytes = f->len;
	on(f->sig, 0);
	f->act();
	if (count == 0 && f->act == f_sse_div && (mxcsr_after & 4))
		return 20; /* ZE set, no #XM: the CPU does not raise SIMD exceptions */
	if (count != 1)
		return 10;
	if (got_sig != f->sig)
		return 11;
	if (got_code != f->code)
		return 12;
	if (got_trapno != (uint64_t)f->trapno)
		return 13;
	if (f->err >= 0 && got_err != (uint64_t)f->err)
		return 14;
	if (f->addr_is_rip && got_addr != got_rip)
		return 15;
	if (!f->addr_is_rip && f->code != SI_KERNEL &&
	    got_addr != (f->addr ? (uint64_t)ro_page : 0))
		return 16;
	return 0;
}

static const char *const child_fail[] = {
	[10] = "handler ran a wrong number of times",
	[11] = "wrong signal",
	[12] = "wrong si_code",
	[13] = "wrong REG_TRAPNO",
	[14] = "wrong REG_ERR",
	[15] = "si_addr is not the RIP",
	[16] = "si_addr is not the faulting address",
};

static void check_fault(const struct fault *f)
{
	char why[80];
	int status = child_run(PROG, f->name);
	int code = child_exited_with(status, 0) ? 0 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code == 20) {
		ktap_skip(f->name, "the CPU set MXCSR.ZE but raised no #XM (QEMU TCG does not "
				   "implement unmasked SIMD exceptions)");
		return;
	}
	KTAP_EXPECT(code == 0, "%s: %s%s%s", f->name, child_describe(status, why, sizeof(why)),
		    code >= 10 && code <= 16 ? ": " : "",
		    code >= 10 && code <= 16 ? child_fail[code] : "");
	ktap_result(f->name);
}

/* ---- default actions, in children ---- */

static int default_child(const char *mode)
{
	if (strcmp(mode, "exit-3") == 0)
		return 3;
	if (strcmp(mode, "pause") == 0) { /* until a signal ends it (tests/test_shell.py: ^C) */
		printf("test-signals: waiting for a signal\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (strcmp(mode, "wait-for-term") == 0 || strcmp(mode, "ignore-term") == 0) {
		if (mode[0] == 'i')
			signal(SIGTERM, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		raise(SIGCHLD); /* default: ignored */
		raise(SIGCONT); /* no job control: ignored */
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
		return 7;
	}
	if (strcmp(mode, "fault-no-handler") == 0) {
		f_null_write();
		return 8;
	}
	if (strcmp(mode, "fault-blocked") == 0) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSEGV);
		sigprocmask(SIG_BLOCK, &s, NULL);
		on(SIGSEGV, 0);
		f_null_write(); /* forced: unblocked and SIG_DFL, so it kills */
		return 9;
	}
	return 100;
}

static const char *default_actions(void)
{
	char why[80];
	long pid = child_start(PROG, "wait-for-term");
	usleep(50000);
	kill((pid_t)pid, SIGTERM);
	int status;
	waitpid((pid_t)pid, &status, 0);
	KTAP_EXPECT(child_killed_by(status, SIGTERM), "SIGTERM: %s",
		    child_describe(status, why, sizeof(why)));
	pid = child_start(PROG, "ignore-term");
	usleep(50000);
	kill((pid_t)pid, SIGTERM);
	waitpid((pid_t)pid, &status, 0);
	KTAP_EXPECT(child_exited_with(status, 7), "SIG_IGN SIGTERM: %s",
		    child_describe(status, why, sizeof(why)));
	status = child_run(PROG, "fault-no-handler");
	KTAP_EXPECT(child_killed_by(status, SIGSEGV), "no handler: %s",
		    child_describe(status, why, sizeof(why)));
	status = child_run(PROG, "fault-blocked");
	KTAP_EXPECT(child_killed_by(status, SIGSEGV), "blocked SIGSEGV: %s",
		    child_describe(status, why, sizeof(why)));
	return NULL;
}

static volatile int chld_status;
static void on_chld(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	chld_status = si->si_status;
	count++;
}

static const char *sigchld_on_child_exit(void)
{
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	reset();
	long pid = child_start(PROG, "exit-3");
	int status;
	waitpid((pid_t)pid, &status, 0);
	KTAP_EXPECT(count == 1 && got_sig == SIGCHLD, "SIGCHLD handler ran %d times", count);
	KTAP_EXPECT(got_code == CLD_EXITED && got_pid == pid && chld_status == 3,
		    "si_code %d (want CLD_EXITED), si_pid %d (want %ld), si_status %d (want 3)",
		    got_code, got_pid, pid, chld_status);
	reset();
	pid = child_start(PROG, "fault-no-handler");
	waitpid((pid_t)pid, &status, 0);
	KTAP_EXPECT(count == 1 && got_code == CLD_KILLED && chld_status == SIGSEGV,
		    "killed child: %d signals, si_code %d, si_status %d", count, got_code,
		    chld_status);
	/* SIG_IGN: no zombies; wait4 finds no child once they are gone. */
	signal(SIGCHLD, SIG_IGN);
	long before = kestrel_free_pages();
	pid = child_start(PROG, "exit-3");
	errno = 0;
	int r = waitpid((pid_t)pid, &status, 0);
	KTAP_EXPECT(r == -1 && errno == ECHILD,
		    "wait4 with SIGCHLD ignored: %d, errno %d (want ECHILD)", r, errno);
	KTAP_EXPECT(kestrel_free_pages() == before,
		    "free pages %ld before, %ld after: a zombie was kept", before,
		    kestrel_free_pages());
	signal(SIGCHLD, SIG_DFL);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (int i = 0; i < NFAULTS; i++)
			if (strcmp(argv[1], faults[i].name) == 0)
				return fault_child(&faults[i]);
		return default_child(argv[1]);
	}
	static const struct ktap_case cases[] = {
		{ "raise_delivers_siginfo", raise_delivers_siginfo },
		{ "blocked_stays_pending", blocked_stays_pending },
		{ "nodefer_and_resethand", nodefer_and_resethand },
		{ "eintr_or_restart", eintr_or_restart },
		{ "alternate_stack", alternate_stack },
		{ "overflowing_altstack_is_sigsegv", overflowing_altstack_is_sigsegv },
		{ "suspend_and_timedwait", suspend_and_timedwait },
		{ "kill_checks", kill_checks },
		{ "default_actions", default_actions },
		{ "sigchld_on_child_exit", sigchld_on_child_exit },
	};
	int n = (int)(sizeof(cases) / sizeof(cases[0]));
	ktap_plan(n + NFAULTS);
	ktap_run_each(cases, n);
	for (int i = 0; i < NFAULTS; i++)
		check_fault(&faults[i]);
	return ktap_exit();
}
