/* System calls for signals, with Linux's argument checks (kernel/signal.c). */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "uapi/errno.h"
#include "uapi/signal.h"
#include "kernel/signal.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "lib/string.h"

#define SIGSET_SIZE 8

long sys_rt_sigprocmask(struct trap_frame *tf)
{
	struct task *t = current();
	uint64_t set, old = t->sigmask;
	if (tf->r10 != SIGSET_SIZE)
		return -EINVAL;
	if (tf->rsi) {
		if (copy_from_user(&set, (void *)tf->rsi, sizeof(set)))
			return -EFAULT;
		if (tf->rdi == K_SIG_BLOCK)
			set |= old;
		else if (tf->rdi == K_SIG_UNBLOCK)
			set = old & ~set;
		else if (tf->rdi != K_SIG_SETMASK)
			return -EINVAL;
	}
	if (tf->rdx && copy_to_user((void *)tf->rdx, &old, sizeof(old)))
		return -EFAULT;
	if (tf->rsi)
		signal_set_mask(t, set);
	return 0;
}

long sys_rt_sigaction(struct trap_frame *tf)
{
	int sig = (int)tf->rdi;
	struct process *p = current()->proc;
	struct sigaction_k act, *slot;
	if (tf->r10 != SIGSET_SIZE || sig < 1 || sig > KNSIG)
		return -EINVAL;
	slot = &p->sigactions[sig - 1];
	if (tf->rsi) {
		if (sig == KSIGKILL || sig == KSIGSTOP)
			return -EINVAL;
		if (copy_from_user(&act, (void *)tf->rsi, sizeof(act)))
			return -EFAULT;
	}
	if (tf->rdx && copy_to_user((void *)tf->rdx, slot, sizeof(*slot)))
		return -EFAULT;
	if (tf->rsi) {
		act.mask &= ~SIG_UNBLOCKABLE;
		*slot = act;
		signal_discard_ignored(p, sig);
	}
	return 0;
}

long sys_rt_sigpending(struct trap_frame *tf)
{
	struct task *t = current();
	if (tf->rsi > SIGSET_SIZE)
		return -EINVAL;
	uint64_t set = (t->pending.set | t->proc->shared_pending.set) & t->sigmask;
	return copy_to_user((void *)tf->rdi, &set, tf->rsi);
}

/* Until a signal is to be handled (or the task dies): pause, sigsuspend. */
static long sleep_for_signal(struct task *t)
{
	uint64_t f = irq_save();
	while (!signal_pending(t))
		sleep_on(t);
	irq_restore(f);
	return -ERESTARTNOHAND;
}

/* Sleep with a temporary mask until a signal is delivered; the old mask
 * returns after the handler (restore_sigmask, kernel/sigframe.c). */
long sys_rt_sigsuspend(struct trap_frame *tf)
{
	struct task *t = current();
	uint64_t mask;
	if (tf->rsi != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&mask, (void *)tf->rdi, sizeof(mask)))
		return -EFAULT;
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true;
	signal_set_mask(t, mask);
	return sleep_for_signal(t);
}

long sys_pause(struct trap_frame *tf)
{
	(void)tf;
	return sleep_for_signal(current());
}

/* Wait for one of a set of (blocked) signals and take it without a handler. */
long sys_rt_sigtimedwait(struct trap_frame *tf)
{
	struct task *t = current();
	uint64_t set, deadline = 0;
	if (tf->r10 != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&set, (void *)tf->rdi, sizeof(set)))
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	if (tf->rdx) {
		uint64_t ticks;
		int err = timespec_from_user((const void *)tf->rdx, &ticks);
		if (err)
			return err;
		deadline = timer_ticks() + ticks;
	}
	struct ksiginfo info;
	int sig = signal_dequeue(t, ~set, &info);
	if (!sig && !(deadline && deadline <= timer_ticks())) {
		/* Unblock the set while asleep, so that sending one wakes us. */
		uint64_t blocked = t->sigmask;
		signal_set_mask(t, blocked & ~set);
		uint64_t f = irq_save();
		while (!signal_pending(t) && !(deadline && timer_ticks() >= deadline)) {
			t->wake_tick = deadline;
			sleep_on(t);
		}
		t->wake_tick = 0;
		irq_restore(f);
		signal_set_mask(t, blocked);
		sig = signal_dequeue(t, ~set, &info);
	}
	if (!sig)
		return signal_pending(t) ? -EINTR : -EAGAIN;
	if (tf->rsi) {
		struct k_siginfo si;
		signal_fill_siginfo(&si, &info);
		if (copy_to_user((void *)tf->rsi, &si, sizeof(si)))
			return -EFAULT;
	}
	return sig;
}

long sys_sigaltstack(struct trap_frame *tf)
{
	struct task *t = current();
	struct k_stack old = { .ss_sp = t->sas_sp, .ss_size = t->sas_size }, ss;
	old.ss_flags = signal_altstack_flags(t, tf->rsp);
	if (tf->rdi) {
		if (copy_from_user(&ss, (void *)tf->rdi, sizeof(ss)))
			return -EFAULT;
		long err = signal_altstack(t, &ss, tf->rsp);
		if (err)
			return err;
	}
	if (tf->rsi && copy_to_user((void *)tf->rsi, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigreturn(struct trap_frame *tf) { return signal_sigreturn(tf); }

static struct ksiginfo sent_by_me(int sig, int code)
{
	return (struct ksiginfo){ .signo = sig, .code = code, .pid = current()->proc->pid };
}

/* kill: pid > 0 a process; 0 and -1 every process of the caller's session
 * (Kestrel has no process groups: each session is one, docs/signals.md). */
long sys_kill(struct trap_frame *tf)
{
	int pid = (int)tf->rdi, sig = (int)tf->rsi;
	struct process *me = current()->proc;
	if (sig < 0 || sig > KNSIG)
		return -EINVAL;
	struct ksiginfo info = sent_by_me(sig, K_SI_USER);
	if (pid > 0) {
		struct process *p = process_by_pid(pid);
		if (!p || p->zombie)
			return -ESRCH;
		if (!signal_allowed(me, p))
			return -EPERM;
		return sig ? signal_send_process(p, &info) : 0;
	}
	if (pid < -1)
		return -ESRCH;
	int found = 0;
	for (struct task *t = task_list(); t; t = t->next_all) {
		struct process *p = t->proc;
		if (!p || !t->is_main_thread || t->state == TASK_DEAD || !signal_allowed(me, p) ||
		    (pid == -1 && p == me))
			continue;
		found++;
		if (sig)
			signal_send_process(p, &info);
	}
	return found ? 0 : -ESRCH;
}

static long kill_thread(int tgid, int tid, int sig)
{
	struct task *t = task_by_tid(tid);
	if (sig < 0 || sig > KNSIG || tid <= 0)
		return -EINVAL;
	if (!t || !t->proc || t->state == TASK_DEAD || (tgid > 0 && t->proc->pid != tgid))
		return -ESRCH;
	if (!signal_allowed(current()->proc, t->proc))
		return -EPERM;
	struct ksiginfo info = sent_by_me(sig, K_SI_TKILL);
	return sig ? signal_send(t, &info) : 0;
}

long sys_tkill(struct trap_frame *tf) { return kill_thread(0, (int)tf->rdi, (int)tf->rsi); }

long sys_tgkill(struct trap_frame *tf)
{
	if ((int)tf->rdi <= 0)
		return -EINVAL;
	return kill_thread((int)tf->rdi, (int)tf->rsi, (int)tf->rdx);
}
