/*
 * bounded.h: a system call that might block for ever, run in a thread of
 * its own so that the test can give up on it after a while and report
 * "it blocked" instead of hanging the whole test suite.
 *
 * A call that is given up on stays blocked; its thread ends with the
 * process (exit_group), which the kernel must be able to do.
 */
#ifndef KESTREL_BOUNDED_H
#define KESTREL_BOUNDED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include "raw_syscall.h"

struct bounded_call {
	long nr, a1, a2, a3;
	long ret;
	atomic_int done;
};

static void *bounded_call_run(void *arg)
{
	struct bounded_call *c = arg;

	c->ret = raw_syscall3(c->nr, c->a1, c->a2, c->a3);
	atomic_store(&c->done, 1);
	return NULL;
}

/* Run syscall nr(a1, a2, a3); true if it returned within ms milliseconds, its result in *ret. */
static inline bool bounded_syscall3(long ms, long *ret, long nr, long a1, long a2, long a3)
{
	/* On the heap: if the call never returns, its thread still owns this. */
	struct bounded_call *c = malloc(sizeof(*c));
	struct timespec one_ms = { 0, 1000000 };
	pthread_t t;

	if (!c)
		return false;
	*c = (struct bounded_call){ nr, a1, a2, a3, 0, 0 };
	if (pthread_create(&t, NULL, bounded_call_run, c)) {
		free(c);
		return false;
	}
	for (long waited = 0; !atomic_load(&c->done) && waited < ms; waited++)
		nanosleep(&one_ms, NULL);
	if (!atomic_load(&c->done)) {
		pthread_detach(t);
		return false;
	}
	pthread_join(t, NULL);
	*ret = c->ret;
	free(c);
	return true;
}

#endif
