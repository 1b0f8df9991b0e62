/*
 * test-xstate-leak: what a hostile program could learn or change through
 * the extended state of other tasks.
 *
 *   mxcsr_stays_under_churn     workers hold distinct MXCSRs (some with SSE
 *                               and AVX in their init state, which the
 *                               compacted saves skip), XMM patterns and
 *                               PKRUs across hundreds of switches, while
 *                               this program reads and writes back their
 *                               state with kestrel_xstate_get/set
 *   own_get_sees_own_mxcsr      two processes read their own state, one
 *                               with SSE in its init state: the update
 *                               API's shared scratch buffer must not carry
 *                               the other's MXCSR across
 *   wait4_obeys_callers_pkru    the kernel stores a wait4 status under the
 *                               caller's PKRU, not the last task's (SDM
 *                               vol. 3A 4.6.2: supervisor accesses to user
 *                               pages obey PKRU), both ways round
 *   debugger_only_on_descendants kestrel_xstate_get/set reach only the
 *                               caller's threads and descendant processes
 *   mxcsr_mask_is_the_cpus      xstate_set takes every MXCSR bit FXSAVE's
 *                               MXCSR_MASK has (DAZ), refuses the others
 *   pkru_cannot_stop_the_kernel a task closing key 0 in PKRU and making
 *                               system calls ends, at worst, itself
 *
 *   test-xstate-leak MODE ARGS...   the helpers these cases spawn
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "cpu.h"
#include "child.h"
#include "ktap.h"

#define PROG "test-xstate-leak"
#define OFF_MXCSR 24
#define PAGE 4096
#define NR_pkey_mprotect 329
#define NR_pkey_alloc 330
#define NR_pkey_free 331
#define MXCSR_INIT 0x1f80

static struct user_cpu cpu;

static void detect(void)
{
	cpu = user_cpu_detect();
}

static long spawn_args(char *const argv[])
{
	return kestrel_spawn(PROG, argv, environ);
}

static int wait_status(long pid)
{
	int st;
	if (pid < 0)
		return (int)pid;
	return waitpid(pid, &st, 0) == pid ? st : -errno;
}

static unsigned long num(const char *s)
{
	return strtoul(s, NULL, 0);
}

/* ---- a worker: one pattern held in the registers, checked every round ---- */

#define X16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) \
	       M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define LDX(n) "movdqu " #n "*16(%[xmm]), %%xmm" #n "\n\t"
#define STX(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#define ZX(n) "pxor %%xmm" #n ", %%xmm" #n "\n\t"

struct seen { uint32_t mxcsr, pkru, round, what; };

/*
 * Load MXCSR, PKRU (if pku) and either zeros (SSE, and AVX with
 * VZEROUPPER, in their init state) or the pattern in xmm[] into XMM0-15;
 * then `rounds` times: sched_yield, a short spin, and a check of MXCSR and
 * PKRU.  On the first difference stop, with what was seen; at the end
 * store XMM0-15 into out.  All in one asm statement: no compiled code runs
 * between load and check, so a difference is the kernel's.
 */
static void hold(uint32_t mxcsr, uint32_t pkru, bool pku, const uint64_t *xmm, bool avx,
		 unsigned long rounds, struct seen *s, uint64_t *out)
{
	static const uint32_t dflt = MXCSR_INIT;
	uint32_t slot;

	s->what = 0;
	__asm__ volatile(
		"test %[xmm], %[xmm]\n\tjz 1f\n\t"
		X16(LDX) "jmp 2f\n"
		"1:\n\t" X16(ZX)
		"test %[avx], %[avx]\n\tjz 2f\n\tvzeroupper\n"
		"2:\n\t"
		"ldmxcsr %[mx]\n\t"
		"test %[pku], %[pku]\n\tjz 3f\n\t"
		"mov %[pk], %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\twrpkru\n"
		"3:\n\t"
		"mov %[rounds], %%r8\n"
		"4:\n\t"
		"mov %[nr], %%eax\n\tsyscall\n\t"
		"mov $20000, %%r9d\n"
		"5:\n\tdec %%r9d\n\tjnz 5b\n\t"
		"stmxcsr %[slot]\n\t"
		"mov %[slot], %%eax\n\t"
		"cmp %[mx], %%eax\n\tje 6f\n\t"
		"movl %%eax, 0(%[s])\n\tmovl $1, 12(%[s])\n\tjmp 9f\n"
		"6:\n\t"
		"test %[pku], %[pku]\n\tjz 7f\n\t"
		"xor %%ecx, %%ecx\n\trdpkru\n\t"
		"cmp %[pk], %%eax\n\tje 7f\n\t"
		"movl %%eax, 4(%[s])\n\tmovl $2, 12(%[s])\n\tjmp 9f\n"
		"7:\n\t"
		"dec %%r8\n\tjnz 4b\n"
		"9:\n\t"
		"mov %[rounds], %%rax\n\tsub %%r8, %%rax\n\tmovl %%eax, 8(%[s])\n\t"
		X16(STX)
		"ldmxcsr %[dflt]\n\t"
		: [slot] "=m"(slot)
		: [xmm] "r"(xmm), [avx] "r"((long)avx), [mx] "m"(mxcsr), [pku] "r"((long)pku),
		  [pk] "m"(pkru), [rounds] "r"(rounds), [nr] "i"(SYS_sched_yield), [s] "r"(s),
		  [out] "r"(out), [dflt] "m"(dflt)
		: "rax", "rcx", "rdx", "r8", "r9", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/* worker MXCSR PKRU ZERO ROUNDS: exit 0 if the registers held, else 1. */
static int worker_main(char **argv)
{
	uint32_t mxcsr = num(argv[2]), pkru = num(argv[3]);
	bool zero = num(argv[4]);
	unsigned long rounds = num(argv[5]);
	static uint64_t xmm[32], out[32];
	struct seen s = { 0 };

	detect();
	for (int i = 0; i < 32; i++)
		xmm[i] = 0xe0e0000000000000ull | (uint64_t)mxcsr << 16 | i;
	hold(mxcsr, pkru, cpu.pku, zero ? NULL : xmm, cpu.avx, rounds, &s, out);
	if (s.what == 1) {
		ktap_note("worker MXCSR %#x%s: after %u switches MXCSR is %#x", mxcsr,
			  zero ? " (SSE init)" : "", s.round, s.mxcsr);
		return 1;
	}
	if (s.what == 2) {
		ktap_note("worker PKRU %#x: after %u switches PKRU is %#x", pkru, s.round, s.pkru);
		return 1;
	}
	for (int i = 0; i < 32; i++)
		if (out[i] != (zero ? 0 : xmm[i])) {
			ktap_note("worker MXCSR %#x: xmm%d[%d] is %016llx, want %016llx", mxcsr, i / 2,
				  i % 2, (unsigned long long)out[i], (unsigned long long)(zero ? 0 : xmm[i]));
			return 1;
		}
	return 0;
}

/* ---- the cases ---- */

static struct kestrel_fpuinfo info;

static const char *need_kestrel(void)
{
	if (!on_kestrel())
		return "not on Kestrel: no kestrel_xstate_get/set";
	if (kestrel_fpuinfo(&info) != 0)
		return "kestrel_fpuinfo failed";
	return NULL;
}

static const char *mxcsr_stays_under_churn(void)
{
	const char *skip = need_kestrel();
	if (skip)
		return skip;
	/* Two with SSE/AVX in their init state (MXCSR 1F80H, XMM zero), two
	 * with other MXCSRs and XMM patterns; PKRU only on keys 14 and 15. */
	static const struct { const char *mxcsr, *pkru, *zero; } w[] = {
		{ "0x1f80", "0x10000000", "1" }, { "0x7f80", "0x20000000", "0" },
		{ "0x1f80", "0x40000000", "1" }, { "0x9f80", "0x80000000", "0" },
	};
	enum { N = sizeof(w) / sizeof(w[0]) };
	long pid[N];
	int status[N];
	bool done[N] = { false }, loaded[N] = { false };
	/* PKRU's standard-format offset: CPUID.(EAX=0DH,ECX=9):EBX (SDM vol. 1 13.4.3). */
	unsigned pkru_off = 0, a, b, c, d;
	if (info.xcr0 >> 9 & 1) {
		__cpuid_count(0xd, 9, a, b, c, d);
		pkru_off = b;
	}
	uint8_t *img = aligned_alloc(64, (info.std_size + 63) & ~63u);
	unsigned long churns = 0;

	for (int i = 0; i < N; i++) {
		char *argv[] = { PROG, "worker", (char *)w[i].mxcsr, (char *)w[i].pkru,
				 (char *)w[i].zero, "300", NULL };
		pid[i] = spawn_args(argv);
		KTAP_EXPECT(pid[i] > 0, "spawn worker %d: %ld", i, pid[i]);
		done[i] = pid[i] <= 0;
	}
	for (int left = N; left > 0; ) {
		left = 0;
		for (int i = 0; i < N; i++) {
			if (done[i])
				continue;
			if (waitpid(pid[i], &status[i], WNOHANG) == pid[i]) {
				done[i] = true;
				KTAP_EXPECT(child_exited_with(status[i], 0), "worker MXCSR %s: wait status %#x",
					    w[i].mxcsr, status[i]);
				continue;
			}
			left++;
			/* A round trip: what get reports must be what the worker has,
			 * so writing it back changes nothing. */
			long r = kestrel_xstate_get(pid[i], img, info.std_size);
			if (r == (long)info.std_size) {
				/* MXCSR_INIT until the worker has loaded its own.  Write
				 * an image back only once it shows the worker's value: a
				 * stale init image written after the worker's LDMXCSR
				 * (the parent preempted between get and set) would be the
				 * debugger's doing, not the kernel's. */
				uint32_t m = *(uint32_t *)(img + OFF_MXCSR);
				KTAP_EXPECT(m == num(w[i].mxcsr) || (!loaded[i] && m == MXCSR_INIT),
					    "xstate_get(worker %ld) MXCSR %#x, the worker's is %s",
					    pid[i], m, w[i].mxcsr);
				if (m != num(w[i].mxcsr) ||
				    (pkru_off && *(uint32_t *)(img + pkru_off) != num(w[i].pkru)))
					continue;	/* not all loaded yet: nothing to write back */
				loaded[i] = true;
				r = kestrel_xstate_set(pid[i], img, info.std_size);
				KTAP_EXPECT(r == 0 || r == -ESRCH, "xstate_set(worker %ld) of its own image = %ld",
					    pid[i], r);
				churns++;
			}
		}
		raw_syscall0(SYS_sched_yield);
	}
	ktap_note("%lu get/set round trips on %d workers", churns, N);
	free(img);
	return NULL;
}

/* own-get MXCSR ZERO ROUNDS: read and write back its own state; exit 0 if MXCSR was right. */
static int own_get_main(char **argv)
{
	uint32_t mxcsr = num(argv[2]);
	bool zero = num(argv[3]);
	unsigned long rounds = num(argv[4]);
	struct kestrel_fpuinfo fi;
	static const uint32_t dflt = MXCSR_INIT;

	detect();
	if (kestrel_fpuinfo(&fi))
		return 2;
	uint8_t *img = aligned_alloc(64, (fi.std_size + 63) & ~63u);
	for (unsigned long i = 0; i < rounds; i++) {
		long tid = raw_syscall0(SYS_gettid), r, s;
		uint32_t now;
		/* The get, and a set of what it returned, with SSE (and AVX) in
		 * their init state if asked, and this MXCSR live. */
		__asm__ volatile(
			"test %[z], %[z]\n\tjz 1f\n\t" X16(ZX)
			"test %[avx], %[avx]\n\tjz 1f\n\tvzeroupper\n"
			"1:\n\tldmxcsr %[mx]\n\t"
			"mov %[get], %%eax\n\tmov %[tid], %%rdi\n\tmov %[img], %%rsi\n\tmov %[len], %%rdx\n\t"
			"syscall\n\tmov %%rax, %[r]\n\t"
			"mov %[set], %%eax\n\tmov %[tid], %%rdi\n\tmov %[img], %%rsi\n\tmov %[len], %%rdx\n\t"
			"syscall\n\tmov %%rax, %[s]\n\t"
			"stmxcsr %[now]\n\tldmxcsr %[dflt]\n\t"
			: [r] "=&r"(r), [s] "=&r"(s), [now] "=m"(now)
			: [z] "r"((long)zero), [avx] "r"((long)cpu.avx), [mx] "m"(mxcsr),
			  [get] "i"(KSYS_xstate_get), [set] "i"(KSYS_xstate_set), [tid] "r"(tid),
			  [img] "r"(img), [len] "r"((long)fi.std_size), [dflt] "m"(dflt)
			: "rax", "rcx", "rdx", "rsi", "rdi", "r11", "memory", "cc",
			  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
		uint32_t got = *(uint32_t *)(img + OFF_MXCSR);
		if (r != (long)fi.std_size || s != 0 || got != mxcsr || now != mxcsr) {
			ktap_note("own get with MXCSR %#x%s, round %lu: get = %ld (image MXCSR %#x), set = %ld, "
				  "MXCSR afterwards %#x", mxcsr, zero ? " (SSE init)" : "", i, r, got, s, now);
			return 1;
		}
		raw_syscall0(SYS_sched_yield);
	}
	return 0;
}

static const char *own_get_sees_own_mxcsr(void)
{
	const char *skip = need_kestrel();
	if (skip)
		return skip;
	char *a[] = { PROG, "own-get", "0xbf80", "0", "150", NULL };
	char *b[] = { PROG, "own-get", "0x1f80", "1", "150", NULL };
	long pa = spawn_args(a), pb = spawn_args(b);
	int sa = wait_status(pa), sb = wait_status(pb);
	KTAP_EXPECT(child_exited_with(sa, 0), "the process with MXCSR 0xbf80: status %#x", sa);
	KTAP_EXPECT(child_exited_with(sb, 0), "the process with SSE in its init state: status %#x "
		    "(it saw another process's MXCSR in its own state)", sb);
	return NULL;
}

/* ---- wait4 under the caller's PKRU ---- */

/* exit-closing KEY: write-disable KEY in this task's PKRU and exit 7 at once. */
static int exit_closing_main(char **argv)
{
	uint32_t key = num(argv[2]);
	struct timespec nap = { 0, 20 * 1000000 };
	nanosleep(&nap, NULL);		/* let the parent reach wait4 */
	__asm__ volatile("xor %%ecx, %%ecx\n\txor %%edx, %%edx\n\twrpkru\n\t"
			 "mov %[nr], %%eax\n\tmov $7, %%edi\n\tsyscall\n\tud2"
			 :: "a"(2u << (2 * key)), [nr] "i"(SYS_exit_group)
			 : "rcx", "rdx", "rdi", "r11", "memory");
	return 99;
}

static int exit_later_main(void)
{
	struct timespec nap = { 0, 20 * 1000000 };
	nanosleep(&nap, NULL);
	return 7;
}

static const char *wait4_obeys_callers_pkru(void)
{
	if (!on_kestrel())
		return "not on Kestrel";	/* Linux runs wait4 under the caller's PKRU too, but spawns differently */
	detect();
	if (!cpu.pku)
		return "PKU not enabled (CPUID.7.0:ECX.OSPKE[4] = 0, or PKRU not in XCR0): see the boot log";
	long key = raw_syscall2(NR_pkey_alloc, 0, 0);
	volatile int *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!KTAP_EXPECT(key > 0 && page != MAP_FAILED, "pkey_alloc = %ld, mmap = %p", key, (void *)page))
		return NULL;
	long r = raw_syscall4(NR_pkey_mprotect, page, PAGE, PROT_READ | PROT_WRITE, key);
	KTAP_EXPECT(r == 0, "pkey_mprotect = %ld", r);
	uint32_t open = rdpkru();

	/* 1. The caller's key write-disabled: the store faults, wait4 gives
	 * -EFAULT (Linux: put_user of the status fails; the child is reaped). */
	*page = 0x5a5a5a5a;
	char *later[] = { PROG, "exit-later", NULL };
	long pid = spawn_args(later);
	wrpkru(open | 2u << (2 * key));
	r = raw_syscall4(SYS_wait4, pid, page, 0, 0);
	wrpkru(open);
	KTAP_EXPECT(r == -EFAULT, "wait4 into a page whose key the caller write-disabled = %ld, want "
		    "-EFAULT (a pid: the kernel stored it under another task's PKRU)", r);
	KTAP_EXPECT(*page == 0x5a5a5a5a, "the write-disabled status word became %#x", *page);
	if (r == -EFAULT)
		KTAP_EXPECT(raw_syscall4(SYS_wait4, pid, NULL, 0, 0) == -ECHILD,
			    "after the -EFAULT the child is still there to wait for");

	/* 2. The child write-disables the same key number in its own PKRU
	 * and exits: the caller's key is open, so the status arrives. */
	char k[8];
	snprintf(k, sizeof(k), "%ld", key);
	char *closing[] = { PROG, "exit-closing", k, NULL };
	*page = 0x5a5a5a5a;
	pid = spawn_args(closing);
	r = raw_syscall4(SYS_wait4, pid, page, 0, 0);
	KTAP_EXPECT(r == pid && *page == 7 << 8, "wait4 after a child that closed key %ld = %ld, status "
		    "%#x; want %ld and 0x700 (-EFAULT: the kernel stored it under the child's PKRU)",
		    key, r, *page, pid);
	munmap((void *)page, PAGE);
	raw_syscall1(NR_pkey_free, key);
	return NULL;
}

/* ---- MXCSR_MASK: what the CPU accepts, the kernel accepts ---- */

static uint32_t fxsave_mxcsr_mask(void)
{
	static uint8_t fx[512] __attribute__((aligned(16)));
	memset(fx, 0, sizeof(fx));
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	uint32_t mask = *(uint32_t *)(fx + 28);
	return mask ? mask : 0xffbf;	/* SDM vol. 1 11.6.6 */
}

/* xstate_set of its own image with MXCSR = want; then MXCSR as the task sees it. */
static long set_own_mxcsr(uint8_t *img, uint32_t want, uint32_t *now)
{
	long tid = raw_syscall0(SYS_gettid);
	static const uint32_t dflt = MXCSR_INIT;
	long r = kestrel_xstate_get(tid, img, info.std_size);
	if (r != (long)info.std_size)
		return r;
	*(uint32_t *)(img + OFF_MXCSR) = want;
	__asm__ volatile("mov %[nr], %%eax\n\tsyscall\n\tstmxcsr %[now]\n\tldmxcsr %[dflt]"
			 : "=a"(r), [now] "=m"(*now)
			 : [nr] "i"(KSYS_xstate_set), "D"(tid), "S"(img), "d"((long)info.std_size),
			   [dflt] "m"(dflt)
			 : "rcx", "r11", "memory");
	return r;
}

static const char *mxcsr_mask_is_the_cpus(void)
{
	const char *skip = need_kestrel();
	if (skip)
		return skip;
	uint32_t mask = fxsave_mxcsr_mask(), now = 0;
	uint8_t *img = aligned_alloc(64, (info.std_size + 63) & ~63u);
	/* DAZ (bit 6) where the CPU has it: the kernel must take it. */
	if (mask & 0x40) {
		long r = set_own_mxcsr(img, MXCSR_INIT | 0x40, &now);
		KTAP_EXPECT(r == 0 && now == (MXCSR_INIT | 0x40), "xstate_set of MXCSR %#x (DAZ; FXSAVE's "
			    "MXCSR_MASK is %#x) = %ld, MXCSR then %#x", MXCSR_INIT | 0x40, mask, r, now);
	} else {
		ktap_note("MXCSR_MASK %#x: no DAZ on this CPU", mask);
	}
	/* The lowest bit the CPU lacks must be refused, changing nothing. */
	uint32_t bad = ~mask & -~mask;
	long r = set_own_mxcsr(img, MXCSR_INIT | bad, &now);
	KTAP_EXPECT(r == -EINVAL && now == MXCSR_INIT, "xstate_set of MXCSR %#x (outside MXCSR_MASK %#x) "
		    "= %ld, MXCSR then %#x; want -EINVAL and %#x", MXCSR_INIT | bad, mask, r, now, MXCSR_INIT);
	free(img);
	return NULL;
}

/* ---- no PKRU value lets ring 3 stop the machine ---- */

/* pkru-zero: close key 0 (every page's, the kernel's included on a CPU that
 * wrongly applies PKRU to supervisor pages), make system calls, reopen. */
static int pkru_key0_main(void)
{
	long r;
	__asm__ volatile("mov $3, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\twrpkru\n\t"
			 "mov %[nr], %%eax\n\tsyscall\n\t"
			 "mov %[nr], %%eax\n\tsyscall\n\tmov %%rax, %%r8\n\t"
			 "xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\twrpkru\n\t"
			 "mov %%r8, %[r]"
			 : [r] "=r"(r) : [nr] "i"(SYS_sched_yield) : "rax", "rcx", "rdx", "r8", "r11", "memory");
	return r == 0 ? 0 : 1;
}

static const char *pkru_cannot_stop_the_kernel(void)
{
	if (!on_kestrel())
		return "not on Kestrel";
	char *argv[] = { PROG, "pkru-zero", NULL };
	int st = wait_status(spawn_args(argv));
	char how[80];
	if (cpu.pku)
		KTAP_EXPECT(child_exited_with(st, 0), "key 0 closed in PKRU, then system calls: %s, want "
			    "exit 0", child_describe(st, how, sizeof(how)));
	else	/* no PKU: WRPKRU is #UD (CR4.PKE = 0), the task dies, the machine lives */
		KTAP_EXPECT(child_killed_by(st, SIGILL), "WRPKRU without PKU: %s, want SIGILL",
			    child_describe(st, how, sizeof(how)));
	return NULL;
}

/* ---- who may use the debugger calls ---- */

static int sleep_main(char **argv)
{
	struct timespec nap = { 0, (long)num(argv[2]) * 1000000 };
	while (nap.tv_nsec >= 1000000000) {
		nap.tv_sec++;
		nap.tv_nsec -= 1000000000;
	}
	nanosleep(&nap, NULL);
	return 0;
}

/* probe SIBLING PARENT: what a child may reach.  Exit 0, or the number of the check that failed. */
static int probe_main(char **argv)
{
	struct kestrel_fpuinfo fi;
	if (kestrel_fpuinfo(&fi))
		return 10;
	uint8_t *img = aligned_alloc(64, (fi.std_size + 63) & ~63u);
	long sibling = num(argv[2]), parent = num(argv[3]), me = raw_syscall0(SYS_gettid);
	long r;

	if ((r = kestrel_xstate_get(parent, img, fi.std_size)) != -EPERM)
		return ktap_note("probe: get(parent %ld) = %ld, want -EPERM", parent, r), 1;
	if ((r = kestrel_xstate_set(parent, img, fi.std_size)) != -EPERM)
		return ktap_note("probe: set(parent %ld) = %ld, want -EPERM", parent, r), 2;
	if ((r = kestrel_xstate_get(sibling, img, fi.std_size)) != -EPERM)
		return ktap_note("probe: get(sibling %ld) = %ld, want -EPERM", sibling, r), 3;
	if ((r = kestrel_xstate_get(me, img, fi.std_size)) != (long)fi.std_size)
		return ktap_note("probe: get(itself) = %ld", r), 4;
	char *g[] = { PROG, "sleep", "1500", NULL };
	long grandchild = spawn_args(g);
	if ((r = kestrel_xstate_get(grandchild, img, fi.std_size)) != (long)fi.std_size)
		return ktap_note("probe: get(its child %ld) = %ld", grandchild, r), 5;
	return wait_status(grandchild) == 0 ? 0 : 6;
}

struct thread_arg { volatile long tid; volatile int stop; };

static void *idle_thread(void *p)
{
	struct thread_arg *a = p;
	a->tid = raw_syscall0(SYS_gettid);
	while (!a->stop)
		raw_syscall0(SYS_sched_yield);
	return NULL;
}

/* A task of this program's name whose pid is none of known[]: the prober's child. */
static long find_grandchild(const long *known, int n)
{
	static struct kestrel_fpustat st[64];
	long count = kestrel_fpustat(st, 64);
	for (long i = 0; i < count && i < 64; i++) {
		bool ours = strncmp(st[i].name, PROG, sizeof(st[i].name) - 1) == 0;
		for (int j = 0; j < n; j++)
			ours = ours && st[i].pid != known[j];
		if (ours)
			return st[i].tid;
	}
	return 0;
}

static const char *debugger_only_on_descendants(void)
{
	const char *skip = need_kestrel();
	if (skip)
		return skip;
	uint8_t *img = aligned_alloc(64, (info.std_size + 63) & ~63u);
	long r, me = raw_syscall0(SYS_gettid);

	r = kestrel_xstate_get(me, img, info.std_size);
	KTAP_EXPECT(r == (long)info.std_size, "get(itself) = %ld", r);
	struct thread_arg ta = { 0, 0 };
	pthread_t th;
	if (KTAP_EXPECT(pthread_create(&th, NULL, idle_thread, &ta) == 0, "pthread_create")) {
		while (!ta.tid)
			raw_syscall0(SYS_sched_yield);
		r = kestrel_xstate_get(ta.tid, img, info.std_size);
		KTAP_EXPECT(r == (long)info.std_size, "get(its own thread %ld) = %ld", ta.tid, r);
		r = kestrel_xstate_set(ta.tid, img, info.std_size);
		KTAP_EXPECT(r == 0, "set(its own thread %ld) of its image = %ld", ta.tid, r);
		ta.stop = 1;
		pthread_join(th, NULL);
	}
	char *s[] = { PROG, "sleep", "3000", NULL };
	long sibling = spawn_args(s);
	r = kestrel_xstate_get(sibling, img, info.std_size);
	KTAP_EXPECT(r == (long)info.std_size, "get(its child %ld) = %ld", sibling, r);
	char sib[16], par[16];
	snprintf(sib, sizeof(sib), "%ld", sibling);
	snprintf(par, sizeof(par), "%ld", me);
	char *p[] = { PROG, "probe", sib, par, NULL };
	long prober = spawn_args(p);
	long known[] = { getpid(), sibling, prober }, grandchild = 0;
	struct timespec ms = { 0, 1000000 };
	for (int i = 0; i < 1000 && !(grandchild = find_grandchild(known, 3)); i++)
		nanosleep(&ms, NULL);
	if (KTAP_EXPECT(grandchild > 0, "the prober's child never appeared in kestrel_fpustat")) {
		r = kestrel_xstate_get(grandchild, img, info.std_size);
		KTAP_EXPECT(r == (long)info.std_size, "get(its grandchild %ld) = %ld", grandchild, r);
	}
	int st = wait_status(prober);
	KTAP_EXPECT(child_exited_with(st, 0), "the prober (a child reaching its parent, a sibling, "
		    "itself and its own child): status %#x", st);
	wait_status(sibling);
	free(img);
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "mxcsr_stays_under_churn", mxcsr_stays_under_churn },
	{ "own_get_sees_own_mxcsr", own_get_sees_own_mxcsr },
	{ "wait4_obeys_callers_pkru", wait4_obeys_callers_pkru },
	{ "debugger_only_on_descendants", debugger_only_on_descendants },
	{ "mxcsr_mask_is_the_cpus", mxcsr_mask_is_the_cpus },
	{ "pkru_cannot_stop_the_kernel", pkru_cannot_stop_the_kernel },
};

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "worker") == 0)
		return worker_main(argv);
	if (argc >= 5 && strcmp(argv[1], "own-get") == 0)
		return own_get_main(argv);
	if (argc >= 3 && strcmp(argv[1], "exit-closing") == 0)
		return exit_closing_main(argv);
	if (argc >= 2 && strcmp(argv[1], "pkru-zero") == 0)
		return pkru_key0_main();
	if (argc >= 2 && strcmp(argv[1], "exit-later") == 0)
		return exit_later_main();
	if (argc >= 3 && strcmp(argv[1], "sleep") == 0)
		return sleep_main(argv);
	if (argc >= 4 && strcmp(argv[1], "probe") == 0)
		return probe_main(argv);
	detect();
	return KTAP_RUN(cases);
}
