/*
 * Futexes: "wait while this user word still holds v" and "wake n waiters
 * of this word", the two calls musl's mutexes, condition variables and
 * pthread_join are built on.  A waiter sleeps on the word's physical
 * address (as a kernel pointer into the direct map), so every thread that
 * names the same word meets on the same channel.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/time.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "kernel/futex.h"
#include "kernel/signal.h"
#include "kernel/sched.h"
#include "mm/vm.h"
#include "mm/lookup.h"

/*
 * The channel of the futex word at uaddr, or -errno, as Linux's
 * get_futex_key answers for each word a call names: the word must be an
 * aligned u32 (-EINVAL; a misaligned one could straddle into a page that
 * was never checked) in a present user page (-EFAULT).
 */
static long futex_key(struct process *p, uint64_t uaddr, const void **chan)
{
	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	struct uvm_page pg;
	if (uvm_lookup(p->root, uaddr, UVM_READ, 0, &pg))
		return -EFAULT;
	*chan = pg.kva;		/* the physical word: shared mappings share a futex */
	return 0;
}

long futex_wait(struct process *p, uint64_t uaddr, uint32_t val, uint64_t timeout_ticks)
{
	const void *chan;
	uint32_t now;
	/* Interrupts off from the check to the sleep: a wake cannot slip between. */
	uint64_t f = irq_save();
	long ret = futex_key(p, uaddr, &chan);
	if (ret)
		;
	else if (copy_from_user(&now, (void *)uaddr, sizeof(now)))
		ret = -EFAULT;
	else if (now != val)
		ret = -EAGAIN;
	else {
		struct task *t = current();
		uint64_t deadline = timeout_ticks ? timer_ticks() + timeout_ticks : 0;
		t->wake_tick = deadline;
		sleep_on(chan);
		t->wake_tick = 0;
		if (signal_pending(t)) /* Linux restarts an untimed wait, not a timed one */
			ret = deadline ? -EINTR : -ERESTARTSYS;
		else if (deadline && timer_ticks() >= deadline)
			ret = -ETIMEDOUT;
	}
	irq_restore(f);
	return ret;
}

/* Wake up to n waiters of uaddr.  Linux's futex_wake counts after each
 * wake, so an n of 0 or less still wakes one, and programs rely on it
 * (Linux's fsgsbase test wakes with 0). */
int futex_wake_addr(struct process *p, uint64_t uaddr, int n)
{
	const void *chan;
	long err = futex_key(p, uaddr, &chan);
	return err ? (int)err : wakeup_n(chan, n < 1 ? 1 : n);
}

/* Wake nwake waiters of uaddr and move up to nmove others to wait on uaddr2
 * (what pthread_cond_broadcast uses, to avoid a thundering herd).  Both
 * words are checked, in Linux's order (kernel/futex/requeue.c). */
long futex_requeue(struct process *p, uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
		   const uint32_t *expect)
{
	const void *from, *to;
	uint32_t now;
	if (nwake < 0 || nmove < 0)
		return -EINVAL;
	long ret = futex_key(p, uaddr, &from);
	if (!ret)
		ret = futex_key(p, uaddr2, &to);
	if (ret)
		return ret;
	uint64_t f = irq_save();
	if (expect && copy_from_user(&now, (void *)uaddr, sizeof(now)))
		ret = -EFAULT;
	else if (expect && now != *expect)
		ret = -EAGAIN;
	else
		ret = requeue(from, nwake, to, nmove);
	irq_restore(f);
	return ret;
}
