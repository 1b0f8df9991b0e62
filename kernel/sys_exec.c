/*
 * execve: the calling process runs another program, a boot module named by
 * path ("/bin/NAME" or "NAME": Kestrel has no file system, the modules are
 * its /bin).  As Linux's: the new address space is built first, so any
 * error leaves the caller as it was; then the other threads are ended (de
 * thread), the old address space is let go (devices first: the
 * accelerator's binding and PASID do not survive), a vfork parent is woken,
 * and what Linux resets is reset: handlers (ignored signals stay ignored),
 * the alternate stack, the extended state (init, no PASID), the LDT, the FS
 * and GS selectors and bases, the protection keys.  pid, parent, mask and
 * pending signals, limits and session stay.
 */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/exec.h"
#include "kernel/ldt.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "cpu/frame.h"
#include "cpu/x86.h"
#include "mm/uaccess.h"
#include "mm/uvm.h"
#include "lib/printf.h"
#include "lib/string.h"

/* "/bin/NAME" or "NAME": the module; anything else is not a program here. */
static const struct program *find(const char *path)
{
	if (strncmp(path, "/bin/", 5) == 0)
		path += 5;
	return strchr(path, '/') ? NULL : program_find(path);
}

/* Linux's de_thread: every other thread of p ends before the exec goes on. */
static int other_threads_end(struct task *me, struct process *p)
{
	uint64_t f = irq_save();
	for (struct task *t = task_list(); t; t = t->next_all)
		if (t != me && t->proc == p && t->state != TASK_DEAD) {
			t->flags |= TIF_KILLED;
			wake_task(t);
		}
	while (p->nthreads > 1 && !(me->flags & TIF_KILLED))
		sleep_on(&p->nthreads);
	irq_restore(f);
	return me->flags & TIF_KILLED ? -EINTR : 0;
}

static void reset_segments(struct task *t)
{
	t->ds = t->es = t->fsindex = t->gsindex = 0;
	asm volatile("mov %0, %%ds\n\tmov %0, %%es" ::"r"(0));
	asm volatile("mov %0, %%fs" ::"r"(0));
	asm volatile("swapgs\n\tmov %0, %%gs\n\tswapgs" ::"r"(0) : "memory");
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	t->fs_base = t->gs_base = 0;
}

long sys_execve(struct trap_frame *tf)
{
	struct task *t = current();
	struct process *p = t->proc;
	char path[64];
	long err = strncpy_from_user(path, (const char *)tf->rdi, sizeof(path));
	if (err < 0)
		return err == -E2BIG ? -ENAMETOOLONG : err;
	const struct program *prog = find(path);
	if (!prog)
		return -ENOENT;
	struct exec_args a;
	err = exec_args_copy(&a, (char *const *)tf->rsi, (char *const *)tf->rdx);
	uint64_t old_root = p->root, old_brk_start = p->brk_start, old_brk = p->brk;
	uint64_t entry = 0, sp = 0;
	if (!err && !(p->root = uvm_create()))
		err = -ENOMEM;
	if (!err && (err = exec_load(p, prog, a.argv, a.envp, &entry, &sp)))
		uvm_destroy(p->root);
	exec_args_free(&a);
	if (!err)
		err = other_threads_end(t, p);
	if (err) {
		if (p->root != old_root && err == -EINTR)
			uvm_destroy(p->root);
		p->root = old_root, p->brk_start = old_brk_start, p->brk = old_brk;
		return err;
	}

	/* The point of no return: run on the new tables, let the old go. */
	uint64_t new_root = p->root;
	t->cr3 = new_root;
	write_cr3(new_root);
	p->root = old_root;
	process_drop_vm(p); /* devices, then the pages (unless a vfork parent's) */
	p->root = new_root;
	process_vfork_done(p);
	ksnprintf(p->name, sizeof(p->name), "%s", prog->name);
	ksnprintf(t->name, sizeof(t->name), "%s", prog->name);
	p->pkeys_used = 0;
	signal_exec(p);
	t->sas_sp = t->sas_size = t->sas_flags = 0;
	t->clear_child_tid = t->robust_list = 0;
	ldt_free(p);
	reset_segments(t);
	fpu_exec(t);

	*tf = (struct trap_frame){
		.rip = entry,
		.rsp = sp,
		.cs = USER_CS,
		.ss = USER_DS,
		.rflags = 0x202, /* IF, and bit 1 which is always set */
		.vector = T_SYSCALL,
		.error = (uint64_t)-1,
	};
	return 0;
}
