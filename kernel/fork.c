/*
 * fork, vfork, and clone without CLONE_THREAD: a new process.
 *
 * The child's address space is an eager copy of the parent's (mm/uvm.c:
 * uvm_fork), not copy-on-write: every page keeps its own entry's bits, so
 * PROT_NONE, PKRU keys and the accelerator portal need no second set of
 * rules for a write fault to get right (docs/tasks.md 2.9).  With CLONE_VM
 * (vfork, musl's posix_spawn) nothing is copied: the child borrows the
 * parent's root until it execs or exits, and the parent sleeps until then
 * (CLONE_VFORK).  A root used by two processes counts its users
 * (struct process.vm_users); the last one to leave frees it
 * (kernel/process.c:process_drop_vm).
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/fork.h"
#include "kernel/syscall.h"
#include "kernel/process.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "mm/uvm.h"
#include "kernel/sched.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "kernel/ldt.h"
#include "kernel/task.h"

enum { SIGCHLD = 17, CSIGNAL = 0xff, CLONE_VM = 0x100, CLONE_VFORK = 0x4000 };

/* The child's share of the parent's root: a counter both point at. */
static int share_root(struct process *parent, struct process *child)
{
	if (!parent->vm_users) {
		int *users = kmalloc(sizeof(*users));
		if (!users)
			return -ENOMEM;
		*users = 1;
		parent->vm_users = users;
	}
	++*parent->vm_users;
	child->vm_users = parent->vm_users;
	child->root = parent->root;
	return 0;
}

/* The process half of the child: memory, brk, signal actions, keys. */
static struct process *copy_process(struct process *parent, uint64_t flags)
{
	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	memcpy(p->name, parent->name, sizeof(p->name));
	if (flags & CLONE_VM) {
		if (share_root(parent, p)) {
			kfree(p);
			return NULL;
		}
	} else if (!(p->root = uvm_fork(parent->root))) {
		kfree(p);
		return NULL;
	}
	p->brk_start = parent->brk_start;
	p->brk = parent->brk;
	p->sid = parent->sid;
	memcpy(p->sigactions, parent->sigactions, sizeof(p->sigactions));
	memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
	p->rlimits_set = parent->rlimits_set;
	memcpy(p->console_prefix, parent->console_prefix, sizeof(p->console_prefix));
	if (ldt_copy(p, parent)) {
		process_drop_vm(p);
		kfree(p);
		return NULL;
	}
	/* Keys belong to the address space, and the copy has the same ones
	 * on the same pages (Linux copies mm->context.pkey_allocation_map). */
	p->pkeys_used = parent->pkeys_used;
	/* No binding to the accelerator: p->pasid and p->portal stay 0, and
	 * uvm_fork left the portal out (a device page is not the process's). */
	return p;
}

/* Undo copy_process for a child that never ran. */
static void free_process(struct process *p)
{
	process_drop_vm(p);
	ldt_free(p);
	kfree(p);
}

/* The live selectors: the running task's are in the CPU (kernel/switch.c). */
static void copy_selectors(struct task *child)
{
	asm volatile("mov %%ds, %0" : "=r"(child->ds));
	asm volatile("mov %%es, %0" : "=r"(child->es));
	asm volatile("mov %%fs, %0" : "=r"(child->fsindex));
	asm volatile("mov %%gs, %0" : "=r"(child->gsindex));
}

/*
 * The flags musl's fork (SIGCHLD), vfork (the vfork system call) and
 * posix_spawn (CLONE_VM | CLONE_VFORK | SIGCHLD) use, nothing else: a
 * clone Kestrel cannot give exactly is refused with -EINVAL rather than
 * half-done.  stack: 0 for the caller's, else where the child's RSP starts.
 */
long process_fork(struct trap_frame *tf, uint64_t flags, uint64_t stack)
{
	uint64_t kind = flags & ~(uint64_t)CSIGNAL;
	if ((flags & CSIGNAL) != SIGCHLD || (kind != 0 && kind != (CLONE_VM | CLONE_VFORK)))
		return -EINVAL;
	if (stack >= USER_TOP)
		return -EINVAL;
	struct task *me = current();
	struct process *parent = me->proc;
	if (parent->exiting)
		return -EINTR;

	struct process *p = copy_process(parent, flags);
	if (!p)
		return -ENOMEM;
	struct task *t = task_alloc(me->name, p);
	if (!t) {
		free_process(p);
		return -EAGAIN; /* Linux: no task slot (RLIMIT_NPROC, pid_max) */
	}
	t->is_main_thread = true;
	/* Registers: the parent's, but rax 0; extended state with no PASID
	 * (fpu_clone: the child's first ENQCMD faults, and p is not bound). */
	fpu_clone(t, me);
	t->fs_base = task_user_fs_base(me);
	t->gs_base = task_user_gs_base(me);
	copy_selectors(t);
	/* Signals: the mask and the alternate stack are inherited, nothing
	 * pending is (POSIX fork). */
	t->sigmask = me->sigmask;
	t->sas_sp = me->sas_sp;
	t->sas_size = me->sas_size;
	t->sas_flags = me->sas_flags;
	p->pid = t->tid;
	p->nthreads = 1;

	bool vfork_done = false;
	if (flags & CLONE_VFORK)
		p->vfork_done = &vfork_done;
	uint64_t f = irq_save();
	p->parent = parent;
	p->next_child = parent->children;
	parent->children = p;
	irq_restore(f);

	struct trap_frame regs = *tf;
	regs.rax = 0;
	if (stack)
		regs.rsp = stack;
	int pid = p->pid;
	task_start_user(t, &regs);
	if (!(flags & CLONE_VFORK))
		return pid;

	/*
	 * The child runs on our memory, our stack included, until it execs or
	 * exits (process_vfork_done), so we may not return to user mode before.
	 * A kill ends the wait (Linux's is killable too); the child then must
	 * not write to this stack frame: it is alive (it sets vfork_done
	 * before it can be freed), so take the pointer back.
	 */
	f = irq_save();
	while (!vfork_done && !(me->flags & TIF_KILLED))
		sleep_on(&vfork_done);
	if (!vfork_done)
		p->vfork_done = NULL;
	irq_restore(f);
	return pid;
}

long sys_fork(struct trap_frame *tf) { return process_fork(tf, SIGCHLD, 0); }

long sys_vfork(struct trap_frame *tf)
{
	return process_fork(tf, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
}
