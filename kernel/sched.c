/*
 * The scheduler: round robin over runnable tasks, a time slice counted in
 * timer ticks, and sleeping on a "channel" (any address) as in xv6.
 *
 * Kestrel's kernel code is not preempted: the timer only sets
 * TIF_NEED_RESCHED, and the switch happens on the way back to user mode
 * (kernel/entry.c) or when kernel code blocks or yields.  With one CPU and
 * interrupts off around every queue operation, that is all the locking the
 * scheduler needs.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "cpu/x86.h"
#include "kernel/switch.h"
#include "kernel/sched.h"
#include "kernel/panic.h"

#define SLICE_TICKS 4

static struct task *runq_head, *runq_tail;

void preempt_disable(void) { cpu0.preempt_count++; }
void preempt_enable(void) { cpu0.preempt_count--; }

void sched_add(struct task *t)
{
	uint64_t f = irq_save();
	t->state = TASK_RUNNABLE;
	t->next_run = NULL;
	if (runq_tail)
		runq_tail->next_run = t;
	else
		runq_head = t;
	runq_tail = t;
	irq_restore(f);
}

static struct task *pick_next(void)
{
	struct task *t = runq_head;
	if (!t)
		return cpu0.idle;
	runq_head = t->next_run;
	if (!runq_head)
		runq_tail = NULL;
	return t;
}

/* Runs on the new task's stack, right after switch_to, with interrupts off. */
void finish_switch(struct task *prev)
{
	if (prev->state == TASK_DEAD)
		task_free(prev);	/* its stack is no longer in use: ours is */
}

/*
 * Give the CPU to the next runnable task.  The caller has already set
 * current's state: still TASK_RUNNABLE (it goes to the back of the queue),
 * TASK_SLEEPING or TASK_DEAD.
 */
void schedule(void)
{
	uint64_t f = irq_save();
	struct task *prev = current();
	if (cpu0.preempt_count)
		panic("schedule() with preemption disabled (count %d) in %s",
		      cpu0.preempt_count, prev->name);
	prev->flags &= ~TIF_NEED_RESCHED;
	if (prev->state == TASK_RUNNABLE && prev != cpu0.idle)
		sched_add(prev);
	struct task *next = pick_next();
	next->slice = SLICE_TICKS; /* a lone task picked again starts a new slice too */
	if (next != prev) {
		switch_arch(prev, next);
		prev = switch_to(prev, next);
		finish_switch(prev);
	}
	irq_restore(f);
}

void yield(void)
{
	schedule();
}

/*
 * Sleepers wait in queues, so that a wakeup costs what waits on its
 * channel, not what exists: a channel hashes to one of WAIT_BUCKETS FIFO
 * queues (Linux hashes futexes and wait queues the same way), and a task
 * with a deadline is also on one list sorted by wake_tick, of which the
 * tick looks only at the head.  Every list is changed with interrupts off.
 */
#define WAIT_BUCKETS 256
static struct {
	struct task *head, **tail;
} waitq[WAIT_BUCKETS];
static struct task *timed; /* sleepers with a deadline, soonest first */

static unsigned bucket_of(const void *chan)
{
	uint64_t x = (uint64_t)chan;
	return (unsigned)(((x ^ x >> 21) * 0x9e3779b97f4a7c15ull) >> 56); /* 8 bits */
}

static void enqueue(struct task *t, const void *chan)
{
	unsigned b = bucket_of(chan);
	if (!waitq[b].tail)
		waitq[b].tail = &waitq[b].head;
	t->wait_chan = chan;
	t->wait_next = NULL;
	t->wait_pprev = waitq[b].tail;
	*waitq[b].tail = t;
	waitq[b].tail = &t->wait_next;
}

static void dequeue(struct task *t)
{
	unsigned b = bucket_of(t->wait_chan);
	*t->wait_pprev = t->wait_next;
	if (t->wait_next)
		t->wait_next->wait_pprev = t->wait_pprev;
	else
		waitq[b].tail = t->wait_pprev;
	t->wait_pprev = NULL;
}

static void timer_insert(struct task *t)
{
	struct task **pp = &timed;
	while (*pp && (*pp)->wake_tick <= t->wake_tick)
		pp = &(*pp)->timer_next;
	t->timer_next = *pp;
	*pp = t;
	t->on_timer_list = true;
}

static void timer_remove(struct task *t)
{
	struct task **pp = &timed;
	while (*pp != t)
		pp = &(*pp)->timer_next;
	*pp = t->timer_next;
	t->on_timer_list = false;
}

/* Take a sleeping task off its queues and make it runnable. */
void wake_task(struct task *t)
{
	uint64_t f = irq_save();
	if (t->state == TASK_SLEEPING) {
		if (t->wait_pprev)
			dequeue(t);
		if (t->on_timer_list)
			timer_remove(t);
		t->wake_tick = 0;
		sched_add(t);
	}
	irq_restore(f);
}

/* Sleep until wakeup(chan), or until wake_tick if the caller set one.
 * Interrupts must be off from the caller's check of its condition until
 * here, or a wakeup could slip in between. */
void sleep_on(const void *chan)
{
	struct task *t = current();
	enqueue(t, chan);
	if (t->wake_tick)
		timer_insert(t);
	t->state = TASK_SLEEPING;
	schedule();
	t->wait_chan = NULL;
}

int wakeup_n(const void *chan, int n)
{
	int woken = 0;
	uint64_t f = irq_save();
	for (struct task *t = waitq[bucket_of(chan)].head, *next; t && woken < n; t = next) {
		next = t->wait_next;
		if (t->wait_chan == chan) {
			wake_task(t);
			woken++;
		}
	}
	irq_restore(f);
	return woken;
}

void wakeup(const void *chan) { wakeup_n(chan, 1 << 30); }

/* Wake up to nwake tasks sleeping on from, and move up to nmove more to
 * sleep on to instead.  Returns how many were woken or moved. */
int requeue(const void *from, int nwake, const void *to, int nmove)
{
	uint64_t f = irq_save();
	int woken = wakeup_n(from, nwake), moved = 0;
	for (struct task *t = waitq[bucket_of(from)].head, *next; t && moved < nmove; t = next) {
		next = t->wait_next;
		if (t->wait_chan == from) {
			dequeue(t);
			enqueue(t, to);
			moved++;
		}
	}
	irq_restore(f);
	return woken + moved;
}

static const char timer_chan;

int sleep_until(uint64_t tick)
{
	uint64_t f = irq_save();
	struct task *t = current();
	while (timer_ticks() < tick && !signal_pending(t)) {
		t->wake_tick = tick;
		sleep_on(&timer_chan);
	}
	t->wake_tick = 0;
	irq_restore(f);
	return signal_pending(t) ? -EINTR : 0;
}

/* From the timer interrupt: wake timed sleepers, end the time slice. */
void sched_tick(void)
{
	while (timed && timed->wake_tick <= timer_ticks())
		wake_task(timed);
	struct task *t = current();
	// LAB switch: begin
	if (t != cpu0.idle && --t->slice <= 0)
		t->flags |= TIF_NEED_RESCHED;
	if (t == cpu0.idle && runq_head)
		t->flags |= TIF_NEED_RESCHED;
	// LAB switch: stub
	//	(void)t;
	//	LAB_TODO("kernel/sched.c: sched_tick, the end of a time slice (lab switch)");
	// LAB switch: end
}
