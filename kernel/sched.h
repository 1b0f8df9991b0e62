/* The scheduler: run queue, sleeping and waking, preemption (kernel/sched.c). */
#pragma once
#include <stdint.h>

struct task;

void sched_init(void);
void sched_add(struct task *t);
void schedule(void);
void yield(void);
void sleep_on(const void *chan);		/* call with interrupts off */
int sleep_until(uint64_t tick);			/* 0, or -EINTR if killed */
void wakeup(const void *chan);
void wake_task(struct task *t); /* a sleeper, now: off its queues */
int wakeup_n(const void *chan, int n);
int requeue(const void *from, int nwake, const void *to, int nmove);
void sched_tick(void);
void preempt_disable(void);
void preempt_enable(void);
/* cpu/switch.asm returns into this on the new task's side of a switch. */
void finish_switch(struct task *prev);

