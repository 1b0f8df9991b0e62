/*
 * gdb-xstate: the target of tests/test_gdb.py and docs/debugging.md.
 *
 * It lists the user tasks the kernel counts (kestrel_fpustat), then puts
 * known values in XMM0, the upper half of YMM0 (where AVX is on) and PKRU
 * (where protection keys are on), and keeps them there across a few
 * sleeps, each a switch out (XSAVE into its buffer) and a return to user
 * mode (the deferred XRSTOR).  A debugger stopped at one of those switches
 * must decode exactly these values from the task's buffer.  It prints what
 * it set and whether the values survived, for the test to compare.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include "cpu.h"
#include "kestrel.h"

#define XMM0_LO 0x0123456789abcdefull
#define XMM0_HI 0xfedcba9876543210ull
#define YMM0_LO 0x1111222233334444ull	/* bits 191:128 */
#define YMM0_HI 0x5555666677778888ull	/* bits 255:192 */
#define PKRU    0x5555555cu		/* keys 1-15 closed to writes, key 1 to reads too */
#define SLEEPS  3

static void list_tasks(void)
{
	struct kestrel_fpustat st[32];
	long n = kestrel_fpustat(st, 32);

	printf("gdb-xstate: kernel counts %ld user tasks:", n);
	for (long i = 0; i < n && i < 32; i++)
		printf(" %d:%s", st[i].tid, st[i].name);
	printf("\n");
}

/* Load the values, sleep, read them back: one asm statement each time, so
 * the compiler cannot use the registers in between. */
static int hold(bool avx, bool pku)
{
	static const uint64_t in[4] = { XMM0_LO, XMM0_HI, YMM0_LO, YMM0_HI };
	uint64_t out[4] = { 0 };
	uint32_t pkru_out = 0;
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < SLEEPS; i++) {
		long ret;
		if (pku)
			wrpkru(PKRU);
		if (avx)
			__asm__ volatile("vmovdqu (%[in]), %%ymm0\n\t"
					 "syscall\n\t"
					 "vmovdqu %%ymm0, (%[out])"
					 : "=a"(ret) : "a"(SYS_nanosleep), "D"(&ts), "S"(0), [in] "r"(in), [out] "r"(out)
					 : "rcx", "r11", "memory", "xmm0");
		else
			__asm__ volatile("movdqu (%[in]), %%xmm0\n\t"
					 "syscall\n\t"
					 "movdqu %%xmm0, (%[out])"
					 : "=a"(ret) : "a"(SYS_nanosleep), "D"(&ts), "S"(0), [in] "r"(in), [out] "r"(out)
					 : "rcx", "r11", "memory", "xmm0");
		if (pku)
			pkru_out = rdpkru();
		if (out[0] != XMM0_LO || out[1] != XMM0_HI || (avx && (out[2] != YMM0_LO || out[3] != YMM0_HI)) ||
		    (pku && pkru_out != PKRU) || ret != 0)
			return -1;
	}
	if (pku)
		wrpkru(0);
	return 0;
}

int main(void)
{
	struct user_cpu cpu = user_cpu_detect();

	list_tasks();
	printf("gdb-xstate: xmm0 0x%016llx%016llx\n", XMM0_HI, XMM0_LO);
	if (cpu.avx)
		printf("gdb-xstate: ymm0 0x%016llx%016llx%016llx%016llx\n",
		       YMM0_HI, YMM0_LO, XMM0_HI, XMM0_LO);
	else
		printf("gdb-xstate: ymm0 none (no AVX)\n");
	if (cpu.pku)
		printf("gdb-xstate: pkru 0x%08x\n", PKRU);
	else
		printf("gdb-xstate: pkru none (no PKU)\n");
	fflush(stdout);
	int r = hold(cpu.avx, cpu.pku);
	printf("gdb-xstate: %s\n", r ? "values lost" : "values kept");
	return r ? 1 : 0;
}
