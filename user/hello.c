/*
 * hello: the first program to run on Kestrel, and a tour of what an
 * ordinary C program expects from its kernel.  Each line of output exercises
 * something: floating point (the kernel must save SSE state), malloc (brk,
 * mmap), nanosleep and the clock, and threads (clone, futex, TLS).
 * The output is the same on every run, so a test can compare it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 2000

static long *numbers;		/* 1..N, on the heap */

struct job {
	int first, last;	/* indices into numbers[] */
	long sum;
};

static void *sum_range(void *arg)
{
	struct job *job = arg;

	for (int i = job->first; i <= job->last; i++)
		job->sum += numbers[i];
	return NULL;
}

/* Leibniz: pi = 4 (1 - 1/3 + 1/5 - ...).  Slow to converge, but all arithmetic. */
static double leibniz_pi(int terms)
{
	double sum = 0;

	for (int k = 0; k < terms; k++)
		sum += (k % 2 ? -4.0 : 4.0) / (2 * k + 1);
	return sum;
}

static long long ns_between(struct timespec a, struct timespec b)
{
	return (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
}

int main(void)
{
	int bad = 0;

	printf("hello from Kestrel\n");
	printf("pi ~ %.3f\n", leibniz_pi(1000000));

	numbers = malloc(N * sizeof(*numbers));
	if (!numbers) {
		printf("malloc failed\n");
		return 1;
	}
	for (int i = 0; i < N; i++)
		numbers[i] = i + 1;
	printf("malloc: %d numbers\n", N);

	struct timespec t0, t1, ten_ms = { 0, 10 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nanosleep(&ten_ms, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bool slept = ns_between(t0, t1) >= 10 * 1000 * 1000;
	bad |= !slept;
	printf("slept 10 ms: %s\n", slept ? "yes" : "NO, too short");

	struct job jobs[2] = { { 0, N / 2 - 1, 0 }, { N / 2, N - 1, 0 } };
	pthread_t threads[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&threads[i], NULL, sum_range, &jobs[i])) {
			printf("pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < 2; i++) {
		pthread_join(threads[i], NULL);
		printf("thread %d sum %ld\n", i + 1, jobs[i].sum);
	}

	long total = jobs[0].sum + jobs[1].sum, want = (long)N * (N + 1) / 2;
	bad |= total != want;
	printf("total %ld (%s)\n", total, total == want ? "right" : "WRONG");
	free(numbers);
	return bad;
}
