/* System calls about tasks and processes. */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "drivers/accel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/time.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "kernel/exec.h"
#include "kernel/futex.h"
#include "kernel/fork.h"
#include "kernel/sched.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "mm/heap.h"
#include "lib/string.h"

long sys_getpid(struct trap_frame *tf) { (void)tf; return current()->proc->pid; }
long sys_gettid(struct trap_frame *tf) { (void)tf; return current()->tid; }

/* The parent's pid; 0 for a program the kernel started, or an orphan (Linux
 * gives an orphan init's pid, 1: Kestrel has no init process). */
long sys_getppid(struct trap_frame *tf)
{
	(void)tf;
	struct process *parent = current()->proc->parent;
	return parent ? parent->pid : 0;
}

long sys_sched_yield(struct trap_frame *tf)
{
	(void)tf;
	yield();
	return 0;
}

long sys_set_tid_address(struct trap_frame *tf)
{
	current()->clear_child_tid = tf->rdi;
	return current()->tid;
}

/*
 * The running task's bases live in the CPU (kernel/task.h), so these read
 * and write the MSRs: a base the program set itself is the one it gets.
 * While in the kernel the user's GS base is in KERNEL_GS_BASE (SWAPGS).
 */
long sys_arch_prctl(struct trap_frame *tf)
{
	enum { ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004 };
	struct task *t = current();
	uint64_t base;
	switch (tf->rdi) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (tf->rsi >= USER_TOP)
			return -EPERM;	/* WRMSR of a non-canonical base would #GP */
		wrmsr(tf->rdi == ARCH_SET_FS ? MSR_FS_BASE : MSR_KERNEL_GS_BASE, tf->rsi);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		base = tf->rdi == ARCH_GET_FS ? task_user_fs_base(t) : task_user_gs_base(t);
		return copy_to_user((void *)tf->rsi, &base, sizeof(base));
	}
	return -EINVAL;
}

long sys_exit(struct trap_frame *tf)
{
	task_exit((int)tf->rdi);
}

long sys_exit_group(struct trap_frame *tf)
{
	process_kill(current()->proc, W_EXITCODE((int)tf->rdi));
	task_exit((int)tf->rdi);
}

long sys_wait4(struct trap_frame *tf)
{
	int status = 0;
	long pid = process_wait((int)tf->rdi, &status, (int)tf->rdx);
	if (pid > 0 && tf->rsi && copy_to_user((void *)tf->rsi, &status, sizeof(status)))
		return -EFAULT;
	return pid;
}

/*
 * clone: threads (what musl's pthread_create asks for) here; without
 * CLONE_THREAD, a new process (fork, vfork, posix_spawn: kernel/fork.c).  The new task
 * shares the address space and starts as a copy of the caller's registers,
 * returning 0 on its own stack; the caller gets the new tid.
 */
long sys_clone(struct trap_frame *tf)
{
	enum {
		CLONE_VM = 0x100, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000,
		CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
	};
	uint64_t flags = tf->rdi, stack = tf->rsi, ptid = tf->rdx, ctid = tf->r10, tls = tf->r8;
	struct task *me = current();
	if (!(flags & CLONE_THREAD))
		return process_fork(tf, flags, stack); /* a new process (kernel/fork.c) */
	if (!(flags & CLONE_VM))
		return -EINVAL; /* Linux: CLONE_THREAD needs CLONE_SIGHAND, so CLONE_VM */
	if (stack >= USER_TOP || ((flags & CLONE_SETTLS) && tls >= USER_TOP))
		return -EINVAL;

	struct task *t = task_alloc(me->name, me->proc);
	if (!t)
		return -ENOMEM;
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user((void *)ptid, &t->tid, sizeof(int))) {
		task_free(t);
		return -EFAULT;
	}
	fpu_clone(t, me);
	t->fs_base = (flags & CLONE_SETTLS) ? tls : task_user_fs_base(me);
	t->gs_base = task_user_gs_base(me);
	t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0;
	t->sigmask = me->sigmask; /* a new thread inherits its creator's mask */
	me->proc->nthreads++;

	struct trap_frame regs = *tf;
	regs.rax = 0;
	if (stack)
		regs.rsp = stack;
	task_start_user(t, &regs);
	return t->tid;
}

long sys_futex(struct trap_frame *tf)
{
	enum { FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4,
	       FUTEX_PRIVATE = 128 };
	uint64_t uaddr = tf->rdi, timeout = 0;
	int op = (int)tf->rsi & ~FUTEX_PRIVATE;
	/* kernel/futex.c checks each futex word (alignment, then mapping). */
	if (op == FUTEX_WAKE)
		return futex_wake_addr(current()->proc, uaddr, (int)tf->rdx);
	if (op == FUTEX_REQUEUE || op == FUTEX_CMP_REQUEUE) {
		uint32_t expect = (uint32_t)tf->r9;
		return futex_requeue(current()->proc, uaddr, (int)tf->rdx, (int)tf->r10, tf->r8,
				     op == FUTEX_CMP_REQUEUE ? &expect : NULL);
	}
	if (op != FUTEX_WAIT)
		return -ENOSYS;
	if (tf->r10) {
		int err = timespec_from_user((const void *)tf->r10, &timeout);
		if (err)
			return err;
		timeout++; /* 0 means none */
	}
	return futex_wait(current()->proc, uaddr, (uint32_t)tf->rdx, timeout);
}

/* Kestrel's own: spawn a program by name with argv and envp. */
long sys_spawn(struct trap_frame *tf)
{
	char name[32];
	long err = strncpy_from_user(name, (const char *)tf->rdi, sizeof(name));
	if (err < 0)
		return err == -E2BIG ? -ENOENT : err;
	if (!tf->rsi)
		return -EFAULT; /* argv is required: argv[0] names the program */
	struct exec_args a;
	err = exec_args_copy(&a, (char *const *)tf->rsi, (char *const *)tf->rdx);
	if (!err)
		err = process_spawn(name, a.argv, a.envp);
	exec_args_free(&a);
	return err;
}

long sys_progs(struct trap_frame *tf)
{
	char *ubuf = (char *)tf->rdi;
	size_t len = tf->rsi, used = 0;
	const struct program *p;
	for (int i = 0; (p = program_at(i)); i++) {
		size_t n = strlen(p->name) + 1;
		if (used + n > len)
			return -ERANGE;
		if (copy_to_user(ubuf + used, p->name, n))
			return -EFAULT;
		used += n;
	}
	return (long)used;
}

long sys_free_pages(struct trap_frame *tf)
{
	(void)tf;
	return (long)pmm_free_count();
}

/* Kestrel's own: bind this process to the accelerator (mm/pasid.c). */
long sys_accel_bind(struct trap_frame *tf)
{
	(void)tf;
	return accel_bind(current()->proc);
}

/*
 * sched_setaffinity/sched_getaffinity: Kestrel has one CPU, number 0.  A
 * mask must include it (else -EINVAL, as Linux for a mask of offline CPUs);
 * the mask read back is CPU 0 alone.  pid 0 is the caller, else a thread.
 */
static long affinity_target(int tid)
{
	struct task *t = tid ? task_by_tid(tid) : current();
	return t && t->proc && t->state != TASK_DEAD ? 0 : -ESRCH;
}

long sys_sched_setaffinity(struct trap_frame *tf)
{
	uint8_t first;
	if (affinity_target((int)tf->rdi))
		return -ESRCH;
	if (tf->rsi == 0)
		return -EINVAL;
	if (copy_from_user(&first, (void *)tf->rdx, 1))
		return -EFAULT;
	return first & 1 ? 0 : -EINVAL;
}

long sys_sched_getaffinity(struct trap_frame *tf)
{
	uint64_t mask = 1; /* CPU 0 */
	if (affinity_target((int)tf->rdi))
		return -ESRCH;
	if (tf->rsi < sizeof(mask) || tf->rsi % sizeof(mask))
		return -EINVAL;
	if (copy_to_user((void *)tf->rdx, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

/*
 * prlimit64, getrlimit, setrlimit: the limits Kestrel has.  RLIMIT_STACK is
 * the stack exec_load maps (it does not grow), RLIMIT_NOFILE the three
 * console descriptors, RLIMIT_CORE 0 (no core files); the rest are
 * unlimited, as Kestrel enforces none of them.  A process may lower its own
 * limits, or raise a soft one up to the hard one (EPERM above it, as for
 * Linux's unprivileged processes).  Kept per process and copied to children.
 */
enum { RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_NOFILE = 7, RLIM_NLIMITS = 16 };
#define RLIM_INFINITY (~0ul)

static struct rlimit_k *limit_of(struct process *p, unsigned res)
{
	if (!p->rlimits_set) {
		for (unsigned i = 0; i < RLIM_NLIMITS; i++)
			p->rlimits[i] = (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
		p->rlimits[RLIMIT_STACK].cur = p->rlimits[RLIMIT_STACK].max =
			USER_STACK_PAGES * PAGE_SIZE;
		p->rlimits[RLIMIT_NOFILE].cur = p->rlimits[RLIMIT_NOFILE].max = 3;
		p->rlimits[RLIMIT_CORE].cur = p->rlimits[RLIMIT_CORE].max = 0;
		p->rlimits_set = true;
	}
	return &p->rlimits[res];
}

static long do_prlimit(int pid, unsigned res, const void *unew, void *uold)
{
	struct process *p = current()->proc;
	if (pid && pid != p->pid)
		return process_by_pid(pid) ? -EPERM : -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit_k *lim = limit_of(p, res), want;
	if (unew) {
		if (copy_from_user(&want, unew, sizeof(want)))
			return -EFAULT;
		if (want.cur > want.max)
			return -EINVAL;
		if (want.max > lim->max)
			return -EPERM;
	}
	if (uold && copy_to_user(uold, lim, sizeof(*lim)))
		return -EFAULT;
	if (unew)
		*lim = want;
	return 0;
}

long sys_prlimit64(struct trap_frame *tf)
{
	return do_prlimit((int)tf->rdi, (unsigned)tf->rsi, (const void *)tf->rdx, (void *)tf->r10);
}

long sys_getrlimit(struct trap_frame *tf)
{
	return do_prlimit(0, (unsigned)tf->rdi, NULL, (void *)tf->rsi);
}

long sys_setrlimit(struct trap_frame *tf)
{
	return do_prlimit(0, (unsigned)tf->rdi, (const void *)tf->rsi, NULL);
}
