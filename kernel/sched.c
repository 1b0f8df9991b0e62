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
	if (next != prev) {
		next->slice = SLICE_TICKS;
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

/* Sleep until wakeup(chan).  Interrupts must be off from the caller's
 * check of its condition until here, or a wakeup could slip in between. */
void sleep_on(const void *chan)
{
	struct task *t = current();
	t->wait_chan = chan;
	t->state = TASK_SLEEPING;
	schedule();
	t->wait_chan = NULL;
}

static int wake_matching(const void *chan, int n, bool timers)
{
	int woken = 0;
	uint64_t f = irq_save();
	for (struct task *t = task_list(); t && woken < n; t = t->next_all) {
		if (t->state != TASK_SLEEPING)
			continue;
		bool due = timers ? t->wake_tick && t->wake_tick <= timer_ticks()
				  : t->wait_chan == chan;
		if (due) {
			t->wake_tick = 0;
			sched_add(t);
			woken++;
		}
	}
	irq_restore(f);
	return woken;
}

/* Wake up to nwake tasks sleeping on from, and move up to nmove more to
 * sleep on to instead.  Returns how many were woken or moved. */
int requeue(const void *from, int nwake, const void *to, int nmove)
{
	int woken = wakeup_n(from, nwake), moved = 0;
	uint64_t f = irq_save();
	for (struct task *t = task_list(); t && moved < nmove; t = t->next_all) {
		if (t->state == TASK_SLEEPING && t->wait_chan == from) {
			t->wait_chan = to;
			moved++;
		}
	}
	irq_restore(f);
	return woken + moved;
}

void wakeup(const void *chan) { wake_matching(chan, 1 << 30, false); }
int wakeup_n(const void *chan, int n) { return wake_matching(chan, n, false); }

static const char timer_chan;

int sleep_until(uint64_t tick)
{
	uint64_t f = irq_save();
	struct task *t = current();
	while (timer_ticks() < tick && !(t->flags & TIF_KILLED)) {
		t->wake_tick = tick;
		sleep_on(&timer_chan);
	}
	t->wake_tick = 0;
	irq_restore(f);
	return t->flags & TIF_KILLED ? -EINTR : 0;
}

/* From the timer interrupt: wake timed sleepers, end the time slice. */
void sched_tick(void)
{
	wake_matching(NULL, 1 << 30, true);
	struct task *t = current();
	if (t != cpu0.idle && --t->slice <= 0)
		t->flags |= TIF_NEED_RESCHED;
	if (t == cpu0.idle && runq_head)
		t->flags |= TIF_NEED_RESCHED;
}
