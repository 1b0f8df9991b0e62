/*
 * bench: instructions per operation, the same static binary on Kestrel
 * (init=bench) and on Linux (/init of an initramfs); tools/bench/ boots
 * both and reads its lines (docs/bench.md).
 *
 * The emulator runs with exact instruction counting (QEMU -icount
 * shift=0,sleep=off; Bochs), where the guest TSC advances one per
 * instruction retired (a REP string instruction once per iteration), so a
 * difference of two RDTSC readings is an instruction count.  The program
 * first prints its calibration: a loop of known length and the empty
 * reading pair; the driver refuses to report anything if the loop does not
 * read its exact count.  Every figure is the median of many iterations with
 * the minimum, 10th and 90th percentiles and maximum: a timer interrupt
 * (every 10^6 instructions at HZ 1000) lands in a few of them.
 *
 * Output, one line each (parsed by tools/bench/parse.py):
 *   bench-os: kestrel|linux
 *   bench-cal: n=N expect=E got=G
 *   bench: NAME median=M min=A p10=B p90=C max=D n=K
 *   bench-skip: NAME reason
 *   bench-end
 * No floating point anywhere: no vector state becomes live (XINUSE stays
 * clear for SSE/AVX/AVX-512), so the switches measured save none.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kestrel.h"
#include "accel.h"

extern char **environ;
static int is_kestrel;
static const char *self;  /* argv[0]: how to start this program again */
static uint64_t overhead; /* instructions of an empty rdtsc() bracket */

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

/* The TSC difference across `mov $n, %ecx; 1: dec %ecx; jnz 1b` (2n + 1
 * instructions), or across nothing when n < 0: both bracketed alike. */
static uint64_t timed_loop(long n)
{
	uint32_t a0, d0, a1, d1;
	if (n < 0)
		asm volatile("rdtsc; mov %%eax, %0; mov %%edx, %1; rdtsc"
			     : "=&r"(a0), "=&r"(d0), "=a"(a1), "=d"(d1)::"memory");
	else
		asm volatile("rdtsc; mov %%eax, %0; mov %%edx, %1; mov %4, %%ecx\n"
			     "1: dec %%ecx; jnz 1b; rdtsc"
			     : "=&r"(a0), "=&r"(d0), "=&a"(a1), "=&d"(d1)
			     : "r"((uint32_t)n)
			     : "rcx", "memory");
	return ((uint64_t)d1 << 32 | a1) - ((uint64_t)d0 << 32 | a0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static void report(const char *name, uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("bench: %s median=%llu min=%llu p10=%llu p90=%llu max=%llu n=%d\n", name,
	       (unsigned long long)v[n / 2], (unsigned long long)v[0],
	       (unsigned long long)v[n / 10], (unsigned long long)v[n - 1 - n / 10],
	       (unsigned long long)v[n - 1], n);
	fflush(stdout);
}

static void calibrate(void)
{
	uint64_t v[15], pair;
	for (int i = 0; i < 15; i++)
		v[i] = timed_loop(-1);
	pair = median(v, 15);
	printf("bench-cal: n=-1 expect=- got=%llu\n", (unsigned long long)pair);
	/* Short enough (20,001 instructions at most) that most readings see no
	 * timer interrupt even on Bochs, whose ips=50M puts a 1 ms tick every
	 * 50,000 instructions. */
	static const long lens[] = {1000, 10000};
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 15; i++)
			v[i] = timed_loop(lens[k]) - pair;
		printf("bench-cal: n=%ld expect=%ld got=%llu\n", lens[k], 2 * lens[k] + 1,
		       (unsigned long long)median(v, 15));
	}
	/* What MEASURE's own bracket costs, subtracted from every sample. */
	for (int i = 0; i < 15; i++) {
		uint64_t t0 = rdtsc();
		v[i] = rdtsc() - t0;
	}
	overhead = median(v, 15);
	printf("bench-cal: bracket=%llu\n", (unsigned long long)overhead);
}

#define N_FAST 2000
static uint64_t samples[N_FAST];

/* Time f() n times, each bracketed by RDTSC, less the empty pair. */
#define MEASURE(name, n, body)                                  \
	do {                                                    \
		for (int i_ = 0; i_ < (n); i_++) {              \
			uint64_t t0_ = rdtsc();                 \
			body;                                   \
			samples[i_] = rdtsc() - t0_ - overhead; \
		}                                               \
		report(name, samples, n);                       \
	} while (0)

/* ---- sched_yield between two threads ---- */
static volatile int stop;
static volatile long partner_yields;
static void *yielder(void *arg)
{
	(void)arg;
	while (!stop) {
		sched_yield();
		partner_yields++;
	}
	return NULL;
}

static void fpustat_self(struct kestrel_fpustat *out)
{
	struct kestrel_fpustat st[64];
	long n = kestrel_fpustat(st, 64);
	int tid = (int)syscall(SYS_gettid);
	memset(out, 0, sizeof(*out));
	for (long i = 0; i < n && i < 64; i++)
		if (st[i].tid == tid)
			*out = st[i];
}

static void bench_yield_threads(void)
{
	pthread_t t;
	struct kestrel_fpustat a, b;
	stop = 0;
	pthread_create(&t, NULL, yielder, NULL);
	/*
	 * Until the partner has run: Linux's CFS starts a new thread a slice of
	 * virtual runtime behind (START_DEBIT) and sched_yield does not switch
	 * to a task that far behind, so the first few thousand yields return
	 * to the caller without a switch.
	 */
	for (long i = 0; partner_yields < 100 && i < 10000000; i++)
		sched_yield();
	fpustat_self(&a);
	long before = partner_yields;
	MEASURE("sched_yield round trip, 2 threads", N_FAST, sched_yield());
	long ran = partner_yields - before;
	fpustat_self(&b);
	stop = 1;
	pthread_join(t, NULL);
	/* Each yield measured must have run the partner once: a round trip. */
	printf("bench-check: yield-threads partner ran %ld times in %d yields\n", ran, N_FAST);
	if (is_kestrel) {
		/* One round trip switches this thread out and back in once. */
		uint64_t s = b.saves - a.saves, r = b.restores - a.restores,
			 k = b.restores_skipped - a.restores_skipped;
		printf("bench-counter: yield-threads switches=%d saves=%llu restores=%llu "
		       "skipped=%llu\n",
		       N_FAST, (unsigned long long)s, (unsigned long long)r, (unsigned long long)k);
	}
}

/* ---- sched_yield between two processes: this program started again ---- */
static pid_t start_self(const char *mode, const char *arg)
{
	char *argv[] = {(char *)self, (char *)mode, (char *)arg, NULL};
	if (is_kestrel)
		return (pid_t)kestrel_spawn(self, argv, environ);
	pid_t pid;
	return posix_spawn(&pid, self, NULL, NULL, argv, environ) ? -1 : pid;
}

static void bench_yield_procs(void)
{
	/* The partner yields a fixed count, more than this side's, then exits. */
	pid_t pid = start_self("yield", "30000");
	if (pid < 0) {
		printf("bench-skip: sched_yield round trip, 2 processes: spawn failed\n");
		return;
	}
	/* As for threads, but the partner's progress cannot be seen from here:
	 * 20,000 yields outlast CFS's START_DEBIT (see bench_yield_threads). */
	for (int i = 0; i < 20000; i++)
		sched_yield();
	MEASURE("sched_yield round trip, 2 processes", N_FAST, sched_yield());
	waitpid(pid, NULL, 0);
}

/* ---- futex ping-pong ---- */
static volatile uint32_t word;
static long futex(volatile uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op | 128 /* FUTEX_PRIVATE_FLAG */, val, NULL, NULL, 0);
}

static void *ponger(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++) {
		while (word == 0)
			futex(&word, 0 /* FUTEX_WAIT */, 0);
		word = 0;
		futex(&word, 1 /* FUTEX_WAKE */, 1);
	}
	return NULL;
}

/* The ping-pong itself: a partner thread, 50 rounds to warm up, then N_FAST measured. */
static void pingpong(const char *name, const pthread_attr_t *attr)
{
	pthread_t t;
	word = 0;
	pthread_create(&t, attr, ponger, (void *)(long)(N_FAST + 50));
	for (int i = 0; i < 50; i++) {
		word = 1;
		futex(&word, 1, 1);
		while (word == 1)
			futex(&word, 0, 1);
	}
	MEASURE(name, N_FAST, {
		word = 1;
		futex(&word, 1, 1);
		while (word == 1)
			futex(&word, 0, 1);
	});
	pthread_join(t, NULL);
}

static void bench_futex(void) { pingpong("futex wake/wait ping-pong", NULL); }

/* ---- costs that could grow: the same ping-pong with K bystanders ----
 * K threads sleep in FUTEX_WAIT, each on its own word, while the pair
 * ping-pongs: a wakeup that scanned every task would cost more with K. */
#define MAX_CROWD 1000
static volatile uint32_t crowd_word[MAX_CROWD];
static pthread_t crowd[MAX_CROWD];

static void *bystander(void *arg)
{
	volatile uint32_t *w = arg;
	while (*w == 0)
		futex(w, 0, 0);
	return NULL;
}

static void bench_futex_crowd(int k)
{
	char name[64];
	pthread_attr_t small;
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 16384);
	int made = 0;
	for (; made < k; made++) {
		crowd_word[made] = 0;
		if (pthread_create(&crowd[made], &small, bystander, (void *)&crowd_word[made]))
			break;
	}
	if (made < k) {
		printf("bench-skip: futex ping-pong, %d sleeping threads: only %d threads could be "
		       "made\n",
		       k, made);
	} else {
		for (int i = 0; i < 20; i++) /* let every bystander reach its FUTEX_WAIT */
			sched_yield();
		snprintf(name, sizeof(name), "futex ping-pong, %d sleeping threads", k);
		pingpong(name, &small);
	}
	for (int i = 0; i < made; i++) {
		crowd_word[i] = 1;
		futex(&crowd_word[i], 1, 1);
		pthread_join(crowd[i], NULL);
	}
}

/* ---- thread and process creation ---- */
static void *nothing(void *arg) { return arg; }

static void bench_threads(void)
{
	pthread_t t;
	pthread_attr_t small;
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 16384);
	MEASURE("pthread_create+join, default stack", 200, {
		pthread_create(&t, NULL, nothing, NULL);
		pthread_join(t, NULL);
	});
	MEASURE("pthread_create+join, 16 KiB stack", 200, {
		pthread_create(&t, &small, nothing, NULL);
		pthread_join(t, NULL);
	});
}

static void bench_spawn(void)
{
	/* kestrel_spawn on Kestrel, posix_spawn on Linux: not like for like. */
	MEASURE("spawn+wait", 100, {
		pid_t p = start_self("exit", NULL);
		if (p > 0)
			waitpid(p, NULL, 0);
	});
}

/* ---- a thread's first ENQCMD (the PASID fix-up #GP) against later ones ---- */
static void *enq_thread(void *portal)
{
	static struct accel_desc d;
	static struct accel_completion c[8] __attribute__((aligned(32)));
	uint64_t v[8];
	for (int i = 0; i < 8; i++) {
		d = (struct accel_desc){.flags_op = (uint32_t)ACCEL_NOOP << 24,
					.completion = (uint64_t)&c[i]};
		uint64_t t0 = rdtsc();
		int busy = enqcmd(portal, &d);
		v[i] = rdtsc() - t0 - overhead;
		while (!busy && !c[i].status)
			sched_yield();
	}
	printf("bench: first ENQCMD of a thread median=%llu min=%llu p10=%llu p90=%llu max=%llu "
	       "n=1\n",
	       (unsigned long long)v[0], (unsigned long long)v[0], (unsigned long long)v[0],
	       (unsigned long long)v[0], (unsigned long long)v[0]);
	report("later ENQCMD", v + 1, 7);
	return NULL;
}

static void bench_enqcmd(void)
{
	void *portal = is_kestrel ? accel_portal() : NULL;
	if (!portal) {
		printf("bench-skip: ENQCMD: %s\n",
		       is_kestrel ? "accelerator bind failed" : "Kestrel only");
		return;
	}
	pthread_t t;
	pthread_create(&t, NULL, enq_thread, portal);
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	self = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	is_kestrel = on_kestrel();
	if (argc > 1 && !strcmp(argv[1], "exit"))
		return 0;
	if (argc > 2 && !strcmp(argv[1], "yield")) {
		for (long n = atol(argv[2]); n > 0; n--)
			sched_yield();
		return 0;
	}
	printf("bench-os: %s\n", is_kestrel ? "kestrel" : "linux");
	calibrate();
	MEASURE("getpid", N_FAST, syscall(SYS_getpid));
	bench_yield_threads();
	bench_yield_procs();
	bench_futex();
	for (int k = 10; k <= MAX_CROWD; k *= 10)
		bench_futex_crowd(k);
	bench_threads();
	bench_spawn();
	bench_enqcmd();
	/* Under -icount the TSC is virtual time in ns, idle time included
	 * (sleep=off jumps it to the next timer): the sleep's real length. */
	struct timespec ms = {0, 1000000};
	MEASURE("nanosleep(1 ms), ns elapsed", 20, nanosleep(&ms, NULL));
	printf("bench-end\n");
	fflush(stdout);
	if (!is_kestrel) {
		sync();
		syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, NULL); /* power off */
	}
	return 0;
}
