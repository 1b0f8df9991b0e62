/*
 * Signals: sending, pending, and what a signal does by default.  The rules
 * are Linux's (kernel/signal.c), cut down to one CPU and no job control:
 *
 *   - A signal is pending on a thread (tkill, a fault) or on the process
 *     (kill).  Each pending signal is a bit in a set and, while memory
 *     allows, a queued siginfo.  A standard signal (1-31) already pending is
 *     not queued again; a real-time one is, up to SIGQUEUE_MAX a thread.
 *   - A signal whose action is "ignore" is dropped when sent, unless it is
 *     blocked (the action may change before it is unblocked).
 *   - A process-directed signal goes to a thread that does not block it,
 *     which TIF_SIGPENDING sends through signal_deliver() on its way out.
 *   - A fault signal is forced: if blocked or ignored, the action goes back
 *     to SIG_DFL and the signal is unblocked, so a fault can never loop.
 *   - SIGKILL ends the process at once; SIGSTOP and the other stop signals
 *     are ignored, SIGCONT too: Kestrel has no job control (docs/signals.md).
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "uapi/signal.h"
#include "kernel/signal.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "mm/heap.h"
#include "lib/printf.h"
#include "lib/string.h"

struct sigqueue {
	struct sigqueue *next;
	struct ksiginfo info;
};

#define SIGQUEUE_MAX 64
#define SYNCHRONOUS                                                                    \
	(SIGMASK(KSIGSEGV) | SIGMASK(KSIGBUS) | SIGMASK(KSIGILL) | SIGMASK(KSIGTRAP) | \
	 SIGMASK(KSIGFPE) | SIGMASK(KSIGSYS))
/* Default action "ignore": Linux's SIG_KERNEL_IGNORE_MASK, plus the stop
 * signals and SIGCONT, which Kestrel's lack of job control makes no-ops. */
#define DEFAULT_IGNORE                                                                   \
	(SIGMASK(KSIGCHLD) | SIGMASK(KSIGURG) | SIGMASK(KSIGWINCH) | SIGMASK(KSIGCONT) | \
	 SIGMASK(KSIGSTOP) | SIGMASK(KSIGTSTP) | SIGMASK(KSIGTTIN) | SIGMASK(KSIGTTOU))

static const char *const names[KSIGRTMIN] = {
	[KSIGHUP] = "SIGHUP",	    [KSIGINT] = "SIGINT",	[KSIGQUIT] = "SIGQUIT",
	[KSIGILL] = "SIGILL",	    [KSIGTRAP] = "SIGTRAP",	[KSIGABRT] = "SIGABRT",
	[KSIGBUS] = "SIGBUS",	    [KSIGFPE] = "SIGFPE",	[KSIGKILL] = "SIGKILL",
	[KSIGUSR1] = "SIGUSR1",	    [KSIGSEGV] = "SIGSEGV",	[KSIGUSR2] = "SIGUSR2",
	[KSIGPIPE] = "SIGPIPE",	    [KSIGALRM] = "SIGALRM",	[KSIGTERM] = "SIGTERM",
	[KSIGSTKFLT] = "SIGSTKFLT", [KSIGCHLD] = "SIGCHLD",	[KSIGCONT] = "SIGCONT",
	[KSIGSTOP] = "SIGSTOP",	    [KSIGTSTP] = "SIGTSTP",	[KSIGTTIN] = "SIGTTIN",
	[KSIGTTOU] = "SIGTTOU",	    [KSIGURG] = "SIGURG",	[KSIGXCPU] = "SIGXCPU",
	[KSIGXFSZ] = "SIGXFSZ",	    [KSIGVTALRM] = "SIGVTALRM", [KSIGPROF] = "SIGPROF",
	[KSIGWINCH] = "SIGWINCH",   [KSIGIO] = "SIGIO",		[KSIGPWR] = "SIGPWR",
	[KSIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	return sig > 0 && sig < KSIGRTMIN ? names[sig] : "a real-time signal";
}

bool signal_default_ignored(int sig) { return DEFAULT_IGNORE & SIGMASK(sig); }

static struct sigaction_k *action(struct process *p, int sig) { return &p->sigactions[sig - 1]; }

/* Would delivering sig to t do nothing at all? */
static bool ignored(struct task *t, int sig)
{
	if (t->sigmask & SIGMASK(sig))
		return false;
	uint64_t h = action(t->proc, sig)->handler;
	return h == K_SIG_IGN || (h == K_SIG_DFL && signal_default_ignored(sig));
}

void signal_recalc(struct task *t)
{
	uint64_t f = irq_save();
	if ((t->pending.set | t->proc->shared_pending.set) & ~t->sigmask)
		t->flags |= TIF_SIGPENDING;
	else
		t->flags &= ~TIF_SIGPENDING;
	irq_restore(f);
}

void signal_set_mask(struct task *t, uint64_t mask)
{
	t->sigmask = mask & ~SIG_UNBLOCKABLE;
	signal_recalc(t);
}

/* Queue info on q.  Returns -EAGAIN if a real-time signal found no room.
 * From an interrupt handler (may_alloc false) only the bit is set: the
 * heap is not for interrupt context, and a terminal's SIGINT says no more
 * than SI_KERNEL anyway. */
static int enqueue(struct sigpending *q, const struct ksiginfo *info, bool may_alloc)
{
	int sig = info->signo;
	if (sig < KSIGRTMIN && (q->set & SIGMASK(sig)))
		return 0; /* a standard signal is pending once */
	int n = 0;
	for (struct sigqueue *e = q->head; e; e = e->next)
		n++;
	struct sigqueue *e = n < SIGQUEUE_MAX && may_alloc ? kmalloc(sizeof(*e)) : NULL;
	if (!e && sig >= KSIGRTMIN)
		return -EAGAIN;
	if (e) { /* else the bit alone: delivered with SI_KERNEL, as Linux's overflow */
		e->info = *info;
		e->next = NULL;
		struct sigqueue **pp = &q->head;
		while (*pp)
			pp = &(*pp)->next;
		*pp = e;
	}
	q->set |= SIGMASK(sig);
	return 0;
}

/* Take the first queued siginfo of sig off q; clear the bit if none is left. */
static void take(struct sigpending *q, int sig, struct ksiginfo *info)
{
	struct sigqueue *found = NULL;
	bool more = false;
	for (struct sigqueue **pp = &q->head; *pp;) {
		struct sigqueue *e = *pp;
		if (e->info.signo == sig && !found) {
			found = e;
			*pp = e->next;
			continue;
		}
		more |= e->info.signo == sig;
		pp = &e->next;
	}
	*info = found ? found->info : (struct ksiginfo){ .signo = sig, .code = K_SI_KERNEL };
	kfree(found);
	if (!more)
		q->set &= ~SIGMASK(sig);
}

static void discard(struct sigpending *q, int sig)
{
	struct ksiginfo info;
	while (q->set & SIGMASK(sig))
		take(q, sig, &info);
}

void signal_flush(struct sigpending *q)
{
	for (struct sigqueue *e = q->head, *next; e; e = next) {
		next = e->next;
		kfree(e);
	}
	q->head = NULL;
	q->set = 0;
}

/* The lowest pending signal not in mask: synchronous (fault) signals first. */
static int next_signal(uint64_t set)
{
	uint64_t s = (set & SYNCHRONOUS) ? set & SYNCHRONOUS : set;
	return s ? __builtin_ctzll(s) + 1 : 0;
}

int signal_dequeue(struct task *t, uint64_t mask, struct ksiginfo *info)
{
	uint64_t f = irq_save();
	int sig = next_signal(t->pending.set & ~mask);
	if (sig)
		take(&t->pending, sig, info);
	else if ((sig = next_signal(t->proc->shared_pending.set & ~mask)))
		take(&t->proc->shared_pending, sig, info);
	irq_restore(f);
	signal_recalc(t);
	return sig;
}

static struct task *first_thread(struct process *p)
{
	for (struct task *t = task_list(); t; t = t->next_all)
		if (t->proc == p && t->state != TASK_DEAD)
			return t;
	return NULL;
}

static void notify(struct task *t)
{
	signal_recalc(t);
	if (t->flags & TIF_SIGPENDING)
		wake_task(t); /* an interruptible sleep returns -ERESTART* */
}

int signal_send(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (sig == KSIGKILL) {
		process_kill(t->proc, W_SIGNALED(KSIGKILL));
		return 0;
	}
	uint64_t f = irq_save();
	int err = ignored(t, sig) ? 0 : enqueue(&t->pending, info, true);
	if (!err)
		notify(t);
	irq_restore(f);
	return err;
}

static int send_process(struct process *p, const struct ksiginfo *info, bool may_alloc)
{
	int sig = info->signo;
	if (p->exiting || p->zombie)
		return 0;
	if (sig == KSIGKILL) {
		process_kill(p, W_SIGNALED(KSIGKILL));
		return 0;
	}
	uint64_t f = irq_save();
	struct task *target = NULL, *any = NULL;
	for (struct task *t = task_list(); t; t = t->next_all) {
		if (t->proc != p || t->state == TASK_DEAD)
			continue;
		any = any ? any : t;
		if (!(t->sigmask & SIGMASK(sig)) && (!target || t == current()))
			target = t;
	}
	int err = 0;
	if (any && !ignored(target ? target : any, sig))
		err = enqueue(&p->shared_pending, info, may_alloc);
	if (!err && target)
		notify(target);
	irq_restore(f);
	return err;
}

int signal_send_process(struct process *p, const struct ksiginfo *info)
{
	return send_process(p, info, true);
}

/*
 * A terminal's ^C: SIGINT to every process of the session reading it, from
 * the interrupt handler.  Without job control this is how Unix did it
 * before process groups: the shell ignores SIGINT, the program it runs
 * does not, so ^C stops the program and leaves the shell.
 */
void signal_send_session(int sid, int sig)
{
	struct ksiginfo info = { .signo = sig, .code = K_SI_KERNEL };
	/* Once per process: a second send of a standard signal already
	 * pending changes nothing (and one ignored stays ignored). */
	for (struct task *t = task_list(); t; t = t->next_all)
		if (t->proc && t->proc->sid == sid && t->state != TASK_DEAD &&
		    !(t->proc->shared_pending.set & SIGMASK(sig)))
			send_process(t->proc, &info, false);
}

/* Linux's force_sig_info: the kernel's own signal must get through. */
static void force(struct task *t, const struct ksiginfo *info)
{
	struct sigaction_k *ka = action(t->proc, info->signo);
	if (ka->handler == K_SIG_IGN || (t->sigmask & SIGMASK(info->signo))) {
		ka->handler = K_SIG_DFL;
		t->sigmask &= ~SIGMASK(info->signo);
	}
	uint64_t f = irq_save();
	enqueue(&t->pending, info, true);
	signal_recalc(t);
	irq_restore(f);
}

void signal_force(struct task *t, int sig)
{
	force(t, &(struct ksiginfo){ .signo = sig, .code = K_SI_KERNEL });
}

/*
 * A user exception.  With a handler to run, queue the signal for the way
 * out; otherwise the default action is to die, with today's one-line
 * reason (process_fault does not return).
 */
void signal_fault(struct trap_frame *tf, const struct ksiginfo *info, const char *why)
{
	struct task *t = current();
	t->trap_nr = tf->vector;
	t->trap_err = tf->error;
	t->trap_cr2 = tf->vector == T_PF ? info->addr : 0;
	force(t, info);
	if (action(t->proc, info->signo)->handler == K_SIG_DFL)
		process_fault(tf, info->signo, why);
}

/* execve: handlers mean nothing in the new program; ignored stays ignored. */
void signal_exec(struct process *p)
{
	for (int sig = 1; sig <= KNSIG; sig++) {
		struct sigaction_k *ka = action(p, sig);
		if (ka->handler != K_SIG_IGN)
			*ka = (struct sigaction_k){ .handler = K_SIG_DFL };
	}
}

/* Setting a signal to be ignored drops what is pending of it (POSIX). */
void signal_discard_ignored(struct process *p, int sig)
{
	uint64_t f = irq_save();
	for (struct task *t = task_list(); t; t = t->next_all) {
		if (t->proc != p || t->state == TASK_DEAD || !ignored(t, sig))
			continue;
		discard(&t->pending, sig);
		signal_recalc(t);
	}
	struct task *any = first_thread(p);
	if (any && ignored(any, sig))
		discard(&p->shared_pending, sig);
	irq_restore(f);
}

/*
 * Who may signal whom.  Kestrel has no users, so Linux's "same uid" rule
 * becomes "same session": the processes descended from one program the
 * kernel started (the shell, or one test).  A program can signal its own
 * children, parents and siblings, but never another test's processes.
 */
bool signal_allowed(const struct process *from, const struct process *to)
{
	return from && to && from->sid == to->sid;
}
