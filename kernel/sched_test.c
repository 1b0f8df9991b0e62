#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "kernel/sched.h"
#include "mm/pmm.h"
#include "kernel/process.h"
#include "lib/printf.h"

/*
 * Two kernel threads take turns through yield().  Each keeps its own
 * patterns in every callee-saved register across the switches: switch_to
 * saves exactly those, so a slip in its push/pop order shows up here.
 */
struct pingpong {
	volatile int turn, rounds_done[2];
	volatile bool bad[2];
};

static void pingpong_thread(void *arg)
{
	struct pingpong *pp = arg;
	int me = pp->turn;	/* 0 for the first thread started, 1 for the second */
	pp->turn = !me;
	for (int i = 0; i < 200; i++) {
		uint64_t base = 0x1111111111111111ul * (me + 1) + i;
		uint64_t rbx = base, r12 = base + 12, r13 = base + 13, r14 = base + 14, r15 = base + 15;
		asm volatile("call yield"
			     : "+b"(rbx), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			     :: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
		if (rbx != base || r12 != base + 12 || r13 != base + 13 || r14 != base + 14 || r15 != base + 15)
			pp->bad[me] = true;
		pp->rounds_done[me]++;
	}
}

static void sched_pingpong_keeps_registers(struct ktest *t)
{
	static struct pingpong pp;
	pp = (struct pingpong){ 0 };
	KASSERT(t, kthread_create("ping", pingpong_thread, &pp));
	while (pp.turn == 0)
		yield();
	KASSERT(t, kthread_create("pong", pingpong_thread, &pp));
	while (pp.rounds_done[0] < 200 || pp.rounds_done[1] < 200)
		yield();
	KEXPECT(t, !pp.bad[0]);
	KEXPECT(t, !pp.bad[1]);
}

static void count_thread(void *arg)
{
	(*(volatile int *)arg)++;
}

/* Kernel threads that exit give back their stack and task: no page leaks. */
static void sched_exited_threads_are_freed(struct ktest *t)
{
	static volatile int ran;
	ran = 0;
	kthread_create("warm", count_thread, (void *)&ran);
	while (ran < 1)
		yield();
	yield();
	size_t before = pmm_free_count();
	for (int i = 0; i < 50; i++)
		KASSERT(t, kthread_create("short", count_thread, (void *)&ran));
	while (ran < 51)
		yield();
	yield();	/* the last one is freed by the switch after it */
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void sched_sleep_waits_for_the_timer(struct ktest *t)
{
	uint64_t start = timer_ticks();
	KEXPECT_EQ(t, sleep_until(start + 20), 0);
	KEXPECT(t, timer_ticks() >= start + 20);
	KEXPECT(t, timer_ticks() < start + 200);
}

/* Round robin: three busy threads each get turns, in order. */
static volatile int order[30], norder, rr_done;
static void rr_thread(void *arg)
{
	for (int i = 0; i < 10; i++) {
		order[norder++] = (int)(uint64_t)arg;
		yield();
	}
	rr_done++;
}

static void sched_round_robin_order(struct ktest *t)
{
	norder = rr_done = 0;
	for (uint64_t i = 0; i < 3; i++)
		kthread_create("rr", rr_thread, (void *)i);
	while (rr_done < 3)
		yield();
	yield();	/* let the last one be freed before the next test counts pages */
	for (int i = 3; i < 30; i++)
		KEXPECT_EQ(t, order[i], order[i - 3]);
	KEXPECT(t, order[0] != order[1] && order[1] != order[2] && order[0] != order[2]);
}

static long spawn_probe(const char *mode, uint64_t seed, const char *n)
{
	char s[24];
	ksnprintf(s, sizeof(s), "%lu", seed);
	char *argv[] = { "xstate-probe", (char *)mode, s, (char *)n, NULL };
	char *envp[] = { NULL };
	return process_spawn("xstate-probe", argv, envp);
}

/*
 * Preemption: a program that never enters the kernel (xstate-probe burns:
 * a register loop) loses the CPU only to the timer (sched_tick ends its
 * slice; the switch happens on its way back to user mode from the timer
 * interrupt).  So this thread's 20 ms sleep ends while it still runs, and
 * a second program gets the CPU too.  (Whether their registers survive is
 * the fpu suite's question: fpu_preempted_programs_keep_their_registers.)
 */
static void sched_timer_preempts_a_spinning_program(struct ktest *t)
{
	uint64_t seed = ktest_seed();
	long burner = spawn_probe("burns", seed, "0x4000000");
	KASSERT(t, burner > 0);
	sleep_until(timer_ticks() + 2);
	int status = -1;
	bool running = process_wait((int)burner, &status, 1 /* WNOHANG */) == 0;
	ktest_check(t, running, __FILE__, __LINE__,
		    "the looping program finished before this thread ran again: the timer never "
		    "took the CPU from it (no preemption)");
	long other = spawn_probe("yields", seed + 1, "20");
	KASSERT(t, other > 0);
	KEXPECT_EQ(t, process_wait((int)other, &status, 0), other); /* it got the CPU too */
	process_wait((int)burner, &status, 0);
}

KTEST_SUITE(sched, KTEST_CASE(sched_pingpong_keeps_registers),
	    KTEST_CASE(sched_exited_threads_are_freed), KTEST_CASE(sched_sleep_waits_for_the_timer),
	    KTEST_CASE(sched_round_robin_order),
	    KTEST_CASE(sched_timer_preempts_a_spinning_program));
