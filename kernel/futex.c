/*
 * Futexes: "wait while this user word still holds v" and "wake n waiters
 * of this word", the two calls musl's mutexes, condition variables and
 * pthread_join are built on.  A waiter sleeps on the word's physical
 * address (as a kernel pointer into the direct map), so every thread that
 * names the same word meets on the same channel.
 */
#include "kernel.h"
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "timer.h"
#include "uaccess.h"
#include "x86.h"

static const void *futex_chan(struct process *p, uint64_t uaddr)
{
	uint64_t *pte = uaddr < USER_TOP ? vm_walk(p->root, uaddr, false) : NULL;
	if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U))
		return NULL;
	return (uint8_t *)phys_to_virt(*pte & PTE_ADDR) + uaddr % PAGE_SIZE;
}

long futex_wait(struct process *p, uint64_t uaddr, uint32_t val, uint64_t timeout_ticks)
{
	uint32_t now;
	long ret = 0;
	/* Interrupts off from the check to the sleep: a wake cannot slip between. */
	uint64_t f = irq_save();
	const void *chan = futex_chan(p, uaddr);
	if (!chan || copy_from_user(&now, (void *)uaddr, sizeof(now)))
		ret = -EFAULT;
	else if (now != val)
		ret = -EAGAIN;
	else {
		struct task *t = current();
		uint64_t deadline = timeout_ticks ? timer_ticks() + timeout_ticks : 0;
		t->wake_tick = deadline;
		sleep_on(chan);
		t->wake_tick = 0;
		if (t->flags & TIF_KILLED)
			ret = -EINTR;
		else if (deadline && timer_ticks() >= deadline)
			ret = -ETIMEDOUT;
	}
	irq_restore(f);
	return ret;
}

int futex_wake_addr(struct process *p, uint64_t uaddr, int n)
{
	const void *chan = futex_chan(p, uaddr);
	if (!chan)
		return -EFAULT;
	return wakeup_n(chan, n);
}

/* Wake nwake waiters of uaddr and move up to nmove others to wait on uaddr2
 * (what pthread_cond_broadcast uses, to avoid a thundering herd). */
long futex_requeue(struct process *p, uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
		   const uint32_t *expect)
{
	const void *from = futex_chan(p, uaddr), *to = futex_chan(p, uaddr2);
	uint32_t now;
	if (!from || !to)
		return -EFAULT;
	uint64_t f = irq_save();
	long ret;
	if (expect && (copy_from_user(&now, (void *)uaddr, sizeof(now)) || now != *expect))
		ret = expect && now != *expect ? -EAGAIN : -EFAULT;
	else
		ret = requeue(from, nwake, to, nmove);
	irq_restore(f);
	return ret;
}
