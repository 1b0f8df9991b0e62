/*
 * Processes: spawn (create a process running a named program), exit, and
 * wait4.  fork, vfork and execve are in kernel/fork.c and kernel/sys_exec.c;
 * what they share with exit (leaving an address space, waking a vfork
 * parent, telling the parent) is here.
 *
 * Processes spawned by kernel threads (the test runner, the first program)
 * have kernel_process as their parent, so kernel code can wait4 for them.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "mm/uvm.h"
#include "kernel/exec.h"
#include "kernel/signal.h"
#include "uapi/signal.h"
#include "kernel/ldt.h"
#include "kernel/sched.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "lib/printf.h"

static struct process kernel_process = { .pid = 0, .name = "kernel" };

static struct process *parent_of_current(void)
{
	return current()->proc ? current()->proc : &kernel_process;
}

long process_spawn(const char *name, char *const argv[], char *const envp[])
{
	const struct program *prog = program_find(name);
	if (!prog)
		return -ENOENT;
	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	ksnprintf(p->name, sizeof(p->name), "%s", name);
	p->root = uvm_create();
	if (!p->root) {
		kfree(p);
		return -ENOMEM;
	}
	uint64_t entry, sp;
	long err = exec_load(p, prog, argv, envp, &entry, &sp);
	struct task *t = err ? NULL : task_alloc(name, p);
	if (!t) {
		uvm_destroy(p->root);
		kfree(p);
		return err ? err : -ENOMEM;
	}
	t->is_main_thread = true;
	p->pid = t->tid;
	p->nthreads = 1;

	uint64_t f = irq_save();
	p->parent = parent_of_current();
	/* A program the kernel starts begins a session; one a program starts
	 * joins its starter's (who may signal whom: kernel/signal.c). */
	p->sid = p->parent == &kernel_process ? p->pid : p->parent->sid;
	p->next_child = p->parent->children;
	p->parent->children = p;
	irq_restore(f);

	struct trap_frame regs = {
		.rip = entry, .rsp = sp, .cs = USER_CS, .ss = USER_DS,
		.rflags = 0x202,	/* IF, and bit 1 which is always set */
	};
	task_start_user(t, &regs);
	return p->pid;
}

static void process_free(struct process *p)
{
	signal_flush(&p->shared_pending);
	ldt_free(p);
	kfree(p);
}

/* Every thread of p stops at its next return to user mode (or wakes to). */
void process_kill(struct process *p, int status)
{
	uint64_t f = irq_save();
	if (!p->exiting) {
		p->exiting = true;
		p->wait_status = status;
	}
	for (struct task *t = task_list(); t; t = t->next_all) {
		if (t->proc != p || t->state == TASK_DEAD)
			continue;
		t->flags |= TIF_KILLED;
		wake_task(t); /* a sleeper sees TIF_KILLED and returns -EINTR */
	}
	irq_restore(f);
}

/*
 * p is a zombie: its parent may collect it, and a parent that is a program
 * (a kernel thread waits with wait4 alone) gets SIGCHLD, with Linux's siginfo: CLD_EXITED and the exit code, or
 * CLD_KILLED and the signal.  Its default action is to be ignored.
 */
void process_notify_parent(struct process *p)
{
	wakeup(p->parent);
	if (p->parent == &kernel_process)
		return;
	bool killed = (p->wait_status & 0x7f) != 0;
	struct ksiginfo info = {
		.signo = KSIGCHLD,
		.code = killed ? K_CLD_KILLED : K_CLD_EXITED,
		.pid = p->pid,
		.status = killed ? p->wait_status & 0x7f : (p->wait_status >> 8) & 0xff,
	};
	signal_send_process(p->parent, &info);
}

/* A vfork parent sleeping in kernel/fork.c may go on: p has exec'd or is gone. */
void process_vfork_done(struct process *p)
{
	uint64_t f = irq_save();
	if (p->vfork_done) {
		*p->vfork_done = true;
		wakeup(p->vfork_done);
		p->vfork_done = NULL;
	}
	irq_restore(f);
}

/*
 * p stops using its address space (its last thread exits, or it execs).
 * The caller no longer runs on it (CR3).  Devices let go first (the
 * accelerator drains, uvm_release).  A root shared with a vfork child, or
 * a vfork parent (CLONE_VM), is freed by the last process to leave it.
 */
void process_drop_vm(struct process *p)
{
	uvm_release(p);
	uint64_t f = irq_save();
	bool last = !p->vm_users || --*p->vm_users == 0;
	if (last && p->vm_users)
		kfree(p->vm_users);
	if (last)
		uvm_destroy(p->root);
	p->vm_users = NULL;
	p->root = 0;
	irq_restore(f);
}

/*
 * A parent that set SIGCHLD to SIG_IGN, or asked for SA_NOCLDWAIT, keeps no
 * zombies: its children are freed as they end, and its wait4 returns
 * -ECHILD once none is left (POSIX; Linux's do_notify_parent autoreap).
 */
static bool reaps_itself(const struct process *parent)
{
	const struct sigaction_k *ka = &parent->sigactions[KSIGCHLD - 1];
	return parent != &kernel_process &&
	       (ka->handler == K_SIG_IGN || (ka->flags & K_SA_NOCLDWAIT));
}

static void unlink_child(struct process *parent, struct process *c)
{
	for (struct process **pp = &parent->children; *pp; pp = &(*pp)->next_child)
		if (*pp == c) {
			*pp = c->next_child;
			return;
		}
}

/*
 * The current task t is leaving.  It moves to the kernel's page tables
 * first: once nthreads drops, another thread may free the address space
 * (the last one out, or an execve waiting in de_thread) while this one has
 * not yet switched away.  The last thread out frees the address space and
 * turns the process into a zombie for its parent to collect.
 */
void process_thread_exit(struct task *t, int code)
{
	struct process *p = t->proc;
	uint64_t f = irq_save();
	if (!p->exiting)
		p->wait_status = W_EXITCODE(code);
	t->cr3 = vm_kernel_root();
	write_cr3(t->cr3);
	if (--p->nthreads > 0) {
		wakeup(&p->nthreads); /* an execve waiting for the other threads to go */
		irq_restore(f);
		return;
	}
	process_vfork_done(p);
	process_drop_vm(p);

	/* Orphans: zombies are freed now, live children when they exit. */
	for (struct process *c = p->children, *next; c; c = next) {
		next = c->next_child;
		if (c->zombie)
			process_free(c);
		else
			c->parent = NULL;
	}
	p->children = NULL;
	p->zombie = true;
	if (p->parent)
		process_notify_parent(p);
	if (p->parent && reaps_itself(p->parent)) {
		unlink_child(p->parent, p);
		p->parent = NULL;
	}
	if (!p->parent)
		process_free(p);
	irq_restore(f);
}

/*
 * wait4: pid > 0 that child, anything else any child (Kestrel has no
 * process groups: every process is in one).  Every child here was made
 * with SIGCHLD as its exit signal (kernel/fork.c), so __WCLONE finds none
 * and __WALL changes nothing.  No child stops, so WUNTRACED and WCONTINUED
 * never report.  Unknown bits: -EINVAL, as Linux's kernel_wait4.
 */
long process_wait(int pid, int *status, int options)
{
	enum {
		WNOHANG = 1,
		WUNTRACED = 2,
		WCONTINUED = 8,
		WNOTHREAD = 0x20000000,
		WALL = 0x40000000,
		WCLONE = (int)0x80000000
	};
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE))
		return -EINVAL;
	struct process *me = parent_of_current();
	if ((options & WCLONE) && !(options & WALL))
		return -ECHILD;
	uint64_t f = irq_save();
	for (;;) {
		bool any = false;
		for (struct process **pp = &me->children; *pp; pp = &(*pp)->next_child) {
			struct process *c = *pp;
			if (pid > 0 && c->pid != pid)
				continue;
			any = true;
			if (!c->zombie)
				continue;
			*pp = c->next_child;
			int found = c->pid;
			*status = c->wait_status;
			process_free(c);
			irq_restore(f);
			return found;
		}
		if (!any) {
			irq_restore(f);
			return -ECHILD;
		}
		if ((options & WNOHANG) || signal_pending(current())) {
			irq_restore(f);
			return (options & WNOHANG) ? 0 : -ERESTARTSYS;
		}
		sleep_on(me);
	}
}

/* A fault in user mode: say so on the console, and end the whole process. */
void process_fault(struct trap_frame *tf, int signal, const char *why)
{
	struct task *t = current();
	kprintf("kestrel: %s[%d] killed: %s (vector %lu, error %lx) at rip %lx\n",
		t->name, t->tid, why, tf->vector, tf->error, tf->rip);
	process_kill(t->proc, W_SIGNALED(signal));
	sti();
	task_exit(0);
}

/* The live process with this pid, or NULL. */
struct process *process_by_pid(int pid)
{
	for (struct task *t = task_list(); t; t = t->next_all)
		if (t->proc && t->proc->pid == pid && t->state != TASK_DEAD)
			return t->proc;
	return NULL;
}
