/*
 * accel-demo: watch PASID-on-first-ENQCMD happen.  The process binds to
 * the accelerator once; then several threads each copy and fill buffers
 * through it.  Each thread's first ENQCMD takes one #GP, which the kernel
 * answers by installing the PASID; the table at the end shows it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "accel.h"

#define NTHREADS 4
#define SIZE 4096

struct job {
	int n, tid, fixups_before, fixups_after, copied_ok, filled_ok;
};

static void *portal;

static void *worker(void *arg)
{
	struct job *j = arg;
	static __thread char src[SIZE], dst[SIZE];
	struct accel_desc d;
	struct accel_completion c;

	j->tid = (int)syscall(SYS_gettid);
	j->fixups_before = my_pasid_fixups(j->tid, NULL);
	for (int i = 0; i < SIZE; i++)
		src[i] = (char)(i * j->n + 1);

	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_MEMMOVE << 24,
				 .src = (uint64_t)src, .dst = (uint64_t)dst, .size = SIZE };
	j->copied_ok = accel_run(portal, &d, &c) == ACCEL_STATUS_SUCCESS && memcmp(src, dst, SIZE) == 0;

	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_FILL << 24,
				 .src = 0x0101010101010101ull * (uint64_t)j->n, .dst = (uint64_t)dst, .size = SIZE };
	j->filled_ok = accel_run(portal, &d, &c) == ACCEL_STATUS_SUCCESS && dst[0] == j->n && dst[SIZE - 1] == j->n;
	j->fixups_after = my_pasid_fixups(j->tid, NULL);
	return NULL;
}

int main(void)
{
	long r = kestrel_accel_bind();
	if (r < 0) {
		fprintf(stderr, "accel-demo: kestrel_accel_bind: error %ld%s\n", r,
			r == -ENOSYS ? " (not running on Kestrel)" : "");
		return 1;
	}
	portal = (void *)r;
	printf("accel-demo: bound, portal at %p; %d threads each copy and fill %d bytes\n",
	       portal, NTHREADS, SIZE);

	pthread_t th[NTHREADS];
	struct job jobs[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct job){ .n = i + 1 };
		pthread_create(&th[i], NULL, worker, &jobs[i]);
	}
	int bad = 0;
	printf("thread  tid  #GP fixups before/after  memmove  fill\n");
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		struct job *j = &jobs[i];
		printf("%6d %4d  %12d/%-12d %-8s %s\n", j->n, j->tid, j->fixups_before, j->fixups_after,
		       j->copied_ok ? "ok" : "WRONG", j->filled_ok ? "ok" : "WRONG");
		bad |= !j->copied_ok || !j->filled_ok || j->fixups_before != 0 || j->fixups_after != 1;
	}
	printf(bad ? "accel-demo: something was wrong\n"
		   : "accel-demo: one #GP per thread, on its first ENQCMD; none after\n");
	return bad;
}
