/*
 * A user task with recognisable extended state, for the kernel's fpu
 * tests (fpu/switch_test.c).  It fills XMM0-15 and MXCSR with a pattern
 * derived from SEED, makes one system call with the pattern live, and
 * checks afterwards that the registers are exactly what they should be:
 * unchanged, or (for "edit" and "selftest") XMM0's low half replaced by
 * the value the kernel was asked to write.  Exit status 0 means right.
 *
 *   xstate-probe sleeps SEED N MS       N sleeps of MS ms, pattern kept
 *   xstate-probe spin SEED MS           sched_yield for MS ms, pattern kept
 *   xstate-probe yields SEED N          N sched_yields, pattern kept
 *   xstate-probe burns SEED N           N loop turns, no system call: only the
 *                                       timer takes the CPU away; pattern kept
 *   xstate-probe edit SEED VALUE MS     sleep MS; the kernel edits XMM0[63:0]
 *   xstate-probe selftest SEED VALUE    kestrel_fpu_selftest(SSE, VALUE)
 *   xstate-probe kernelfpu SEED         kestrel_fpu_selftest's kernel_fpu_begin
 *                                       in this system call; pattern kept
 *   xstate-probe waits SEED             wait4 for a child, woken first by
 *                                       another child's exit; pattern kept
 *
 * Everything between loading and checking the registers is one asm
 * statement: compiled C could use XMM registers itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kestrel.h"
#include "xregs.h"

static void fill(struct xregs_sse *r, uint64_t seed)
{
	for (int i = 0; i < 16; i++) {
		r->xmm[i][0] = seed * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0x0101010101010101ull;
		r->xmm[i][1] = ~r->xmm[i][0] ^ (seed << 32);
	}
	/* All exceptions masked, plus a seed-chosen rounding mode (bits 13-14). */
	r->mxcsr = 0x1f80 | (uint32_t)(seed & 3) << 13;
}

/* Load *in, make system call nr(a0, a1, a2), store the registers in *out. */
static long call_with(const struct xregs_sse *in, struct xregs_sse *out, long nr, long a0, long a1, long a2)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile(
		XR_SSE_LOAD("%[in]")
		"syscall\n\t"
		XR_SSE_STORE("%[out]")
		: "=a"(ret)
		: [in] "r"(in), [out] "r"(out), "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
		: "rcx", "r11", "memory",
		  XR_XMM_CLOBBERS);
	/* Put MXCSR back to the C default before compiled code runs again. */
	uint32_t dflt = 0x1f80;
	__asm__ volatile("ldmxcsr %0" :: "m"(dflt));
	return ret;
}

/* Load *in, count n down to 0 without entering the kernel, store *out. */
static void burn_with(const struct xregs_sse *in, struct xregs_sse *out, unsigned long n)
{
	__asm__ volatile(XR_SSE_LOAD("%[in]") "1: dec %[n]\n\t"
					      "jnz 1b\n\t" XR_SSE_STORE("%[out]")
			 : [n] "+r"(n)
			 : [in] "r"(in), [out] "r"(out)
			 : "memory", XR_XMM_CLOBBERS);
	uint32_t dflt = 0x1f80;
	__asm__ volatile("ldmxcsr %0" ::"m"(dflt));
}

static int check(const struct xregs_sse *want, const struct xregs_sse *got, const char *when)
{
	int bad = 0;
	for (int i = 0; i < 16; i++)
		for (int h = 0; h < 2; h++)
			if (want->xmm[i][h] != got->xmm[i][h]) {
				printf("xstate-probe: %s: xmm%d[%d] is %016llx, want %016llx\n", when, i, h,
				       (unsigned long long)got->xmm[i][h], (unsigned long long)want->xmm[i][h]);
				bad = 1;
			}
	if (want->mxcsr != got->mxcsr) {
		printf("xstate-probe: %s: mxcsr is %x, want %x\n", when, got->mxcsr, want->mxcsr);
		bad = 1;
	}
	return bad;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * wait4 for child X is woken by child Y's exit, finds X still running and
 * sleeps again, inside the kernel: switched out twice with no return to
 * user mode between.  The second switch-out finds Y's registers loaded and
 * must not save them as ours (TIF_NEED_FPU_LOAD is set: they are not).
 */
static int waits(struct xregs_sse *in, struct xregs_sse *out, uint64_t seed)
{
	struct timespec y_ms = { 0, 50 * 1000000 }, x_ms = { 0, 400 * 1000000 };
	pid_t x = fork();
	if (x == 0) {
		nanosleep(&x_ms, NULL);
		_exit(0);
	}
	pid_t y = fork();
	if (y == 0) {
		struct xregs_sse theirs, unused;
		fill(&theirs, ~seed);
		nanosleep(&y_ms, NULL);
		call_with(&theirs, &unused, SYS_exit, 0, 0, 0); /* exits with them live */
	}
	if (x < 0 || y < 0) {
		printf("xstate-probe: fork failed\n");
		return 1;
	}
	int status;
	long r = call_with(in, out, SYS_wait4, x, (long)&status, 0);
	int bad = check(in, out, "after a wait4 that another child's exit woke first");
	waitpid(y, &status, 0);
	if (r != x) {
		printf("xstate-probe: wait4 returned %ld, want %d\n", r, x);
		bad = 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct xregs_sse in, out;
	if (argc < 3) {
		fprintf(stderr,
			"usage: xstate-probe sleeps SEED N MS | spin SEED MS | yields SEED "
			"N | burns SEED N | "
			"edit SEED VALUE MS | selftest SEED VALUE | kernelfpu SEED | waits SEED\n");
		return 2;
	}
	uint64_t seed = strtoull(argv[2], NULL, 0);
	fill(&in, seed);

	if (strcmp(argv[1], "sleeps") == 0 && argc == 5) {
		int n = atoi(argv[3]);
		struct timespec ts = { 0, atol(argv[4]) * 1000000 };
		for (int i = 0; i < n; i++) {
			call_with(&in, &out, SYS_nanosleep, (long)&ts, 0, 0);
			if (check(&in, &out, "after nanosleep"))
				return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "spin") == 0 && argc == 4) {
		uint64_t end = now_ms() + strtoull(argv[3], NULL, 0);
		while (now_ms() < end) {
			call_with(&in, &out, SYS_sched_yield, 0, 0, 0);
			if (check(&in, &out, "after sched_yield"))
				return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "yields") == 0 && argc == 4) {
		for (long n = atol(argv[3]); n > 0; n--) {
			call_with(&in, &out, SYS_sched_yield, 0, 0, 0);
			if (check(&in, &out, "after sched_yield"))
				return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "burns") == 0 && argc == 4) {
		burn_with(&in, &out, strtoul(argv[3], NULL, 0) | 1);
		return check(&in, &out, "after the timer took the CPU away");
	}
	if (strcmp(argv[1], "edit") == 0 && argc == 5) {
		struct timespec ts = { 0, atol(argv[4]) * 1000000 };
		call_with(&in, &out, SYS_nanosleep, (long)&ts, 0, 0);
		in.xmm[0][0] = strtoull(argv[3], NULL, 0);
		return check(&in, &out, "after the kernel's edit");
	}
	if (strcmp(argv[1], "selftest") == 0 && argc == 4) {
		uint64_t value = strtoull(argv[3], NULL, 0);
		long r = call_with(&in, &out, KSYS_fpu_selftest, 1 /* SSE */, (long)value, 0);
		if (r < 0) {
			printf("xstate-probe: kestrel_fpu_selftest: %ld\n", r);
			return 1;
		}
		in.xmm[0][0] = value;
		return check(&in, &out, "after the update of a task needing a load");
	}
	if (strcmp(argv[1], "kernelfpu") == 0 && argc == 3) {
		long r = call_with(&in, &out, KSYS_fpu_selftest, 0, 0, KSELFTEST_KERNEL_FPU);
		if (r < 0) {
			printf("xstate-probe: kestrel_fpu_selftest: %ld\n", r);
			return 1;
		}
		return check(&in, &out, "after kernel_fpu_begin in this task's system call");
	}
	if (strcmp(argv[1], "waits") == 0 && argc == 3)
		return waits(&in, &out, strtoull(argv[2], NULL, 0));
	fprintf(stderr, "xstate-probe: bad arguments\n");
	return 2;
}
