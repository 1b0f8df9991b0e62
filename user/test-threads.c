/*
 * test-threads: musl's pthreads on Kestrel's clone, futex and TLS.
 * Cases that could hang on a broken futex (a waiter nobody wakes) run their
 * threads under a deadline and report the hang instead of hanging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "kestrel.h"
#include "ktap.h"

#define NTHREADS 4

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	nanosleep(&ts, NULL);
}

/* Wait up to ms for *count to reach want, without blocking on anything but the clock. */
static bool wait_for_count(atomic_int *count, int want, long ms)
{
	for (long waited = 0; atomic_load(count) < want; waited++) {
		if (waited == ms)
			return false;
		sleep_ms(1);
	}
	return true;
}

/* ---- a mutex-protected counter ---- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_10000(void *arg)
{
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&counter_lock);
		long c = counter;
		if (i % 1000 == 0)
			sched_yield();	/* invite another thread in while the lock is held */
		counter = c + 1;
		pthread_mutex_unlock(&counter_lock);
	}
	return arg;
}

static const char *mutex_counter_40000(void)
{
	pthread_t t[NTHREADS];

	counter = 0;
	for (int i = 0; i < NTHREADS; i++)
		if (!KTAP_EXPECT(pthread_create(&t[i], NULL, count_10000, NULL) == 0, "pthread_create %d", i))
			return NULL;
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	KTAP_EXPECT(counter == 10000 * NTHREADS, "counter = %ld, want %d", counter, 10000 * NTHREADS);
	return NULL;
}

/* ---- results, ids ---- */

struct ids {
	long tid, pid;
	pthread_t self;
};

static void *record_ids(void *arg)
{
	struct ids *ids = arg;

	ids->tid = syscall(SYS_gettid);
	ids->pid = getpid();
	ids->self = pthread_self();
	return (void *)(ids->tid * 3);
}

static const char *join_returns_value(void)
{
	struct ids ids[NTHREADS];
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		if (!KTAP_EXPECT(pthread_create(&t[i], NULL, record_ids, &ids[i]) == 0, "pthread_create %d", i))
			return NULL;
	for (int i = 0; i < NTHREADS; i++) {
		void *value = NULL;
		int err = pthread_join(t[i], &value);
		KTAP_EXPECT(err == 0, "pthread_join %d: %s", i, strerror(err));
		KTAP_EXPECT((long)value == ids[i].tid * 3, "thread %d returned %ld, want %ld",
			    i, (long)value, ids[i].tid * 3);
	}
	return NULL;
}

static const char *tids_differ_pid_same(void)
{
	struct ids ids[NTHREADS + 1];
	pthread_t t[NTHREADS];

	record_ids(&ids[NTHREADS]);	/* the main thread */
	for (int i = 0; i < NTHREADS; i++)
		if (!KTAP_EXPECT(pthread_create(&t[i], NULL, record_ids, &ids[i]) == 0, "pthread_create %d", i))
			return NULL;
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i <= NTHREADS; i++) {
		KTAP_EXPECT(ids[i].pid == ids[NTHREADS].pid, "thread %d: pid %ld, main's %ld",
			    i, ids[i].pid, ids[NTHREADS].pid);
		KTAP_EXPECT(ids[i].tid > 0, "thread %d: tid %ld", i, ids[i].tid);
		for (int j = 0; j < i; j++)
			KTAP_EXPECT(ids[i].tid != ids[j].tid && ids[i].self != ids[j].self,
				    "threads %d and %d share tid %ld", j, i, ids[i].tid);
	}
	return NULL;
}

/* ---- thread-local storage ---- */

static __thread long tls_value = 1000;

static void *tls_worker(void *arg)
{
	long n = (long)arg;
	bool ok = tls_value == 1000;	/* a fresh copy, with the initial value */

	tls_value = n;
	for (int i = 0; i < 20; i++) {
		sched_yield();		/* let the others write their copies */
		ok &= tls_value == n;
	}
	return (void *)(long)ok;
}

static const char *tls_per_thread(void)
{
	pthread_t t[NTHREADS];

	tls_value = -1;
	for (long i = 0; i < NTHREADS; i++)
		if (!KTAP_EXPECT(pthread_create(&t[i], NULL, tls_worker, (void *)i) == 0, "pthread_create %ld", i))
			return NULL;
	for (int i = 0; i < NTHREADS; i++) {
		void *ok = NULL;
		pthread_join(t[i], &ok);
		KTAP_EXPECT(ok, "thread %d saw another thread's __thread value", i);
	}
	KTAP_EXPECT(tls_value == -1, "main thread's copy is now %ld", tls_value);
	return NULL;
}

/* ---- sched_yield hands the CPU over ---- */

#define ROUNDS 200

static atomic_int yield_ready, yield_next;
static char yield_log[2 * ROUNDS];

static void *yield_worker(void *arg)
{
	atomic_fetch_add(&yield_ready, 1);
	while (atomic_load(&yield_ready) < 2)
		sched_yield();
	for (int i = 0; i < ROUNDS; i++) {
		yield_log[atomic_fetch_add(&yield_next, 1)] = (char)(long)arg;
		sched_yield();
	}
	return NULL;
}

static const char *yield_interleaves(void)
{
	pthread_t a, b;
	int switches = 0;

	if (!KTAP_EXPECT(pthread_create(&a, NULL, yield_worker, (void *)'a') == 0 &&
			 pthread_create(&b, NULL, yield_worker, (void *)'b') == 0, "pthread_create"))
		return NULL;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	for (int i = 1; i < 2 * ROUNDS; i++)
		switches += yield_log[i] != yield_log[i - 1];
	/* One CPU and a yield that works: a, b, a, b...  A yield that does nothing: a...a b...b. */
	KTAP_EXPECT(switches >= ROUNDS / 4, "only %d switches between the two threads in %d rounds",
		    switches, 2 * ROUNDS);
	return NULL;
}

/* ---- pthread_exit ---- */

static atomic_int fell_through;

static void leave(void)
{
	pthread_exit((void *)0x1234);
}

static void *exit_from_below(void *arg)
{
	(void)arg;
	leave();
	atomic_store(&fell_through, 1);
	return NULL;
}

static const char *pthread_exit_value(void)
{
	pthread_t t;
	void *value = NULL;

	if (!KTAP_EXPECT(pthread_create(&t, NULL, exit_from_below, NULL) == 0, "pthread_create"))
		return NULL;
	pthread_join(t, &value);
	KTAP_EXPECT(value == (void *)0x1234, "joined value %p, want 0x1234", value);
	KTAP_EXPECT(!atomic_load(&fell_through), "pthread_exit returned");
	return NULL;
}

/* ---- many threads, one after another; detached ones ---- */

static void *nothing(void *arg)
{
	return arg;
}

static const char *create_join_100(void)
{
	for (long i = 0; i < 100; i++) {
		pthread_t t;
		void *value = NULL;
		int err = pthread_create(&t, NULL, nothing, (void *)i);
		if (!KTAP_EXPECT(err == 0, "pthread_create #%ld: %s", i, strerror(err)))
			return NULL;
		pthread_join(t, &value);
		if (!KTAP_EXPECT((long)value == i, "thread #%ld returned %ld", i, (long)value))
			return NULL;
	}
	return NULL;
}

static atomic_int detached_done;

static void *detached_worker(void *arg)
{
	(void)arg;
	atomic_fetch_add(&detached_done, 1);
	return NULL;	/* a detached thread frees its own stack on the way out */
}

static const char *detached_threads_exit(void)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 10; i++) {
		pthread_t t;
		KTAP_EXPECT(pthread_create(&t, &attr, detached_worker, NULL) == 0, "pthread_create %d", i);
	}
	pthread_attr_destroy(&attr);
	KTAP_EXPECT(wait_for_count(&detached_done, 10, 5000), "%d of 10 detached threads ran",
		    atomic_load(&detached_done));
	return NULL;
}

/* ---- condition variables ---- */

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_go, cv_waiting;
static atomic_int cv_woken;

static void *cv_waiter(void *arg)
{
	pthread_mutex_lock(&cv_lock);
	cv_waiting++;
	while (!cv_go)
		pthread_cond_wait(&cv, &cv_lock);
	pthread_mutex_unlock(&cv_lock);
	atomic_fetch_add(&cv_woken, 1);
	return arg;
}

/*
 * Three threads wait on one condition variable and a broadcast wakes them.
 * musl hands the second and later waiters over with FUTEX_REQUEUE and has
 * no fallback: a kernel without it leaves them asleep for ever.
 */
static const char *condvar_broadcast_wakes_all(void)
{
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		if (!KTAP_EXPECT(pthread_create(&t[i], NULL, cv_waiter, NULL) == 0, "pthread_create %d", i))
			return NULL;
	/* Holding the lock with cv_waiting == 3 means all three are inside pthread_cond_wait. */
	pthread_mutex_lock(&cv_lock);
	while (cv_waiting < 3) {
		pthread_mutex_unlock(&cv_lock);
		sleep_ms(1);
		pthread_mutex_lock(&cv_lock);
	}
	cv_go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&cv_lock);

	if (!KTAP_EXPECT(wait_for_count(&cv_woken, 3, 5000),
			 "only %d of 3 waiters woke within 5 s (FUTEX_REQUEUE?)", atomic_load(&cv_woken)))
		return NULL;	/* leave them: exit_group ends them with the process */
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return NULL;
}

static atomic_int timedwait_done;
static int timedwait_result;
static long long timedwait_ns;

static void *timedwait_worker(void *arg)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec t0, t1, deadline;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += 20 * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	timedwait_result = pthread_cond_timedwait(&c, &m, &deadline);
	pthread_mutex_unlock(&m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	timedwait_ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;
	atomic_store(&timedwait_done, 1);
	return arg;
}

/* A wait nobody ends must end at its deadline: a futex wait with a timeout. */
static const char *condvar_timedwait_times_out(void)
{
	pthread_t t;

	if (!KTAP_EXPECT(pthread_create(&t, NULL, timedwait_worker, NULL) == 0, "pthread_create"))
		return NULL;
	if (!KTAP_EXPECT(wait_for_count(&timedwait_done, 1, 5000),
			 "a 20 ms pthread_cond_timedwait still waiting after 5 s (futex timeout?)"))
		return NULL;
	pthread_join(t, NULL);
	KTAP_EXPECT(timedwait_result == ETIMEDOUT, "pthread_cond_timedwait = %d, want ETIMEDOUT",
		    timedwait_result);
	KTAP_EXPECT(timedwait_ns >= 19 * 1000000, "it returned after %lld ns, before its 20 ms deadline",
		    timedwait_ns);
	return NULL;
}

/* ---- no leak ---- */

static void create_join(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) == 0)
			pthread_join(t, NULL);
	}
}

static const char *threads_return_memory(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	create_join(4);		/* warm up whatever the kernel keeps */
	long before = kestrel_free_pages();
	create_join(20);
	long after = kestrel_free_pages();
	KTAP_EXPECT(before == after, "free pages %ld before 20 threads, %ld after", before, after);
	return NULL;
}

/* Threads until the kernel says no (a kernel-stack slot or memory runs
 * out): the refusal is an error code, every thread made runs and ends,
 * and every page comes back. */
#define CROWD_MAX 5000
static volatile uint32_t crowd_gate;
static pthread_t crowd[CROWD_MAX];

static void *crowd_member(void *arg)
{
	while (!crowd_gate)
		syscall(SYS_futex, &crowd_gate, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
	return arg;
}

static const char *threads_until_refused(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	pthread_attr_t small;
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 16384);
	create_join(4);
	long before = kestrel_free_pages();
	int made = 0, err = 0;
	crowd_gate = 0;
	while (made < CROWD_MAX &&
	       !(err = pthread_create(&crowd[made], &small, crowd_member, NULL)))
		made++;
	KTAP_EXPECT(made > 512, "only %d threads before the kernel refused", made);
	KTAP_EXPECT(made == CROWD_MAX || err == EAGAIN || err == ENOMEM,
		    "thread %d refused with %d (%s), want EAGAIN or ENOMEM", made, err,
		    strerror(err));
	crowd_gate = 1;
	syscall(SYS_futex, &crowd_gate, 1 /* FUTEX_WAKE */, CROWD_MAX, NULL, NULL, 0);
	for (int i = 0; i < made; i++)
		pthread_join(crowd[i], NULL);
	long after = kestrel_free_pages();
	KTAP_EXPECT(before == after, "free pages %ld before %d threads, %ld after", before, made,
		    after);
	ktap_note("%d threads, then %s", made,
		  made == CROWD_MAX ? "the test's own limit" : strerror(err));
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "mutex_counter_40000", mutex_counter_40000 },
	{ "join_returns_value", join_returns_value },
	{ "tids_differ_pid_same", tids_differ_pid_same },
	{ "tls_per_thread", tls_per_thread },
	{ "yield_interleaves", yield_interleaves },
	{ "pthread_exit_value", pthread_exit_value },
	{ "create_join_100", create_join_100 },
	{ "detached_threads_exit", detached_threads_exit },
	{ "condvar_broadcast_wakes_all", condvar_broadcast_wakes_all },
	{ "condvar_timedwait_times_out", condvar_timedwait_times_out },
	{ "threads_return_memory", threads_return_memory },
	{ "threads_until_refused", threads_until_refused },
};

int main(void)
{
	return KTAP_RUN(cases);
}
