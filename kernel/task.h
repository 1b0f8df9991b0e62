/*
 * Tasks (threads of execution) and processes (address spaces with a pid).
 * A kernel thread is a task with no process; a user process has one or
 * more tasks sharing its address space.  kernel/task.c creates and ends
 * them, kernel/sched.c decides which runs, cpu/switch.asm switches.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "fpu/fpu.h"
#include "cpu/x86.h"

struct trap_frame;

/* Per-task work flags, checked on every return to user mode (kernel/entry.c). */
#define TIF_NEED_RESCHED	(1u << 0)	/* the time slice is over */
#define TIF_NEED_FPU_LOAD	(1u << 1)	/* the registers do not hold this task's state */
#define TIF_KILLED		(1u << 2)	/* exit instead of returning to user mode */
#define TIF_SIGPENDING (1u << 3)		/* an unblocked signal waits (kernel/signal.c) */

enum task_state { TASK_RUNNABLE, TASK_SLEEPING, TASK_DEAD };

struct process;

/* Signals waiting: a bit each, and a queue of their siginfo (kernel/signal.c). */
struct sigqueue;
struct sigpending {
	uint64_t set;
	struct sigqueue *head;
};

struct task {
	/* cpu/switch.asm uses these two (kernel/asm-offsets.c gives it their offsets). */
	uint64_t saved_rsp;		/* kernel stack pointer while switched out */
	uint64_t cr3;			/* page-table root to run with */

	int tid;
	char name[16];
	enum task_state state;
	volatile uint32_t flags;	/* TIF_* */
	uint64_t kstack_top;
	struct process *proc;		/* NULL for kernel threads */

	struct task *next_run;		/* run queue */
	struct task *next_all;		/* every task, for wakeups and listings */
	const void *wait_chan;		/* what a sleeping task waits for */
	struct task *wait_next, **wait_pprev; /* its channel's queue (kernel/sched.c) */
	uint64_t wake_tick;		/* 0, or when a timed sleep ends */
	struct task *timer_next;	/* the deadline list, soonest first */
	bool on_timer_list;
	int slice;			/* ticks left in the time slice */

	/* The user's FS and GS bases while the task is switched out (saved by
	 * schedule()); while it runs the CPU holds them: task_user_fs_base(). */
	uint64_t fs_base, gs_base;
	uint16_t ds, es, fsindex, gsindex; /* and the selectors (kernel/switch.c) */
	uint64_t clear_child_tid;	/* user address zeroed and woken at exit */
	/* Signals (kernel/signal.c): this thread's own pending ones; the mask;
	 * the mask rt_sigsuspend replaced, put back after delivery; the
	 * alternate stack; the last user exception, for the sigcontext. */
	struct sigpending pending;
	uint64_t sigmask;
	uint64_t saved_sigmask;
	bool restore_sigmask;
	uint64_t sas_sp, sas_size;
	uint32_t sas_flags; /* SS_AUTODISARM */
	uint64_t trap_nr, trap_err, trap_cr2;
	uint64_t robust_list;		/* set_robust_list's head (kept for the caller) */
	bool is_main_thread;

	struct fpu fpu;			/* extended state: fpu/ */
};

/* Processes: an address space, a pid, a parent to report to. */
struct process {
	int pid;
	char name[16];
	uint64_t root;			/* physical address of the PML4 */
	struct process *parent;
	struct process *next_child, *children;
	int nthreads;			/* tasks still running in it */
	bool exiting;			/* exit_group or a fatal fault: threads stop */
	bool zombie;			/* all threads gone, waiting for wait4 */
	int wait_status;		/* Linux's encoding: (code << 8) or signal */
	uint64_t brk_start, brk;	/* the heap grows from brk_start to brk */
	/* Linux's struct kernel_sigaction for rt_sigaction, one per signal. */
	struct sigaction_k { uint64_t handler, flags, restorer, mask; } sigactions[64];
	struct sigpending shared_pending; /* sent to the process (kill) */
	struct rlimit_k {
		uint64_t cur, max;
	} rlimits[16]; /* prlimit64 (kernel/sys_proc.c) */
	bool rlimits_set;
	uint64_t *ldt;			  /* its own descriptors (kernel/ldt.c), or NULL */
	unsigned ldt_entries;
	char console_prefix[24];		/* put before each line it writes (kernel/sys_misc.c) */
	bool console_midline;
	int sid; /* session: pid of the program the kernel started this tree with */
	uint16_t pkeys_used;		/* protection keys handed out by pkey_alloc */
	uint32_t pasid;			/* bound to the accelerator: its PASID, else 0 */
	uint64_t portal;		/* where the device's portal is mapped */
	int *vm_users;	  /* root shared (CLONE_VM): how many use it; NULL: p's alone */
	bool *vfork_done; /* a vfork parent sleeps until this is set (exec, exit) */
};

/* The one CPU's state.  The SYSCALL entry reaches it through GS. */
struct cpu {
	uint64_t kernel_rsp;		/* %gs:0: top of the current kernel stack */
	uint64_t user_rsp;		/* %gs:8: the user RSP during SYSCALL entry */
	struct task *current;
	struct task *idle;
	int preempt_count;		/* > 0: schedule() must not be called */
};
extern struct cpu cpu0;

static inline struct task *current(void) { return cpu0.current; }

/* Must an interruptible sleep end?  (A signal to handle, or death.) */
static inline bool signal_pending(const struct task *t)
{
	return t->flags & (TIF_KILLED | TIF_SIGPENDING);
}

/*
 * A user task's FS and GS bases.  The program may change them itself (a
 * segment load, or WRFSBASE/WRGSBASE where CR4.FSGSBASE is on), so for the
 * running task only the CPU knows them: MSR_FS_BASE, and for GS the
 * KERNEL_GS_BASE MSR, where SWAPGS put the user's base on kernel entry
 * (SDM vol. 2B SWAPGS).  A task that is switched out has them in its struct.
 */
static inline uint64_t task_user_fs_base(const struct task *t)
{
	return t == current() ? rdmsr(MSR_FS_BASE) : t->fs_base;
}
static inline uint64_t task_user_gs_base(const struct task *t)
{
	return t == current() ? rdmsr(MSR_KERNEL_GS_BASE) : t->gs_base;
}

/* kernel/task.c */
void task_init(void);
struct task *kthread_create(const char *name, void (*fn)(void *), void *arg);
struct task *task_alloc(const char *name, struct process *proc);
void task_start_user(struct task *t, const struct trap_frame *regs);
__attribute__((noreturn)) void task_exit(int code);
void task_free(struct task *t);
struct task *task_list(void);
struct trap_frame *task_user_frame(struct task *t);	/* at the top of its kernel stack */
struct task *task_by_tid(int tid);
/* A new task's first C code, from cpu/switch.asm:task_first_entry. */
__attribute__((noreturn)) void task_entry_c(void (*fn)(void *), void *arg);
