/*
 * Creating and ending tasks.  A task is born with a kernel stack laid out
 * as if it had called switch_to() itself, so the scheduler can switch to it
 * like to any other: the first "return" lands in task_first_entry.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/signal.h"
#include "kernel/switch.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "traps/traps.h"
#include "kernel/futex.h"
#include "kernel/sched.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "kernel/panic.h"

struct cpu cpu0;
static struct task *all_tasks;
static int next_tid = 1;

struct task *task_list(void) { return all_tasks; }

/* The boot context becomes the idle task: it runs when nothing else can. */
void task_init(void)
{
	extern char boot_stack_top[];
	static struct task idle;
	idle.tid = 0;
	memcpy(idle.name, "idle", 5);
	idle.kstack_top = (uint64_t)boot_stack_top;
	idle.cr3 = vm_kernel_root();
	idle.fpu.last_cpu = -1;
	cpu0.idle = cpu0.current = &idle;
	cpu0.kernel_rsp = idle.kstack_top;
	wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

static struct trap_frame *task_frame(struct task *t)
{
	return (struct trap_frame *)(t->kstack_top - sizeof(struct trap_frame));
}

/*
 * A new task, not yet runnable.  Its stack, from the top: room for a trap
 * frame (used by user tasks), then what switch_to pops (cpu/switch.asm):
 * RFLAGS, six callee-saved registers (r12 = function, r13 =
 * argument) and the return address.
 */
static struct task *task_new(const char *name, struct process *proc,
			     void (*fn)(void *), void *arg)
{
	struct task *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	void *stack = kstack_alloc();
	if (!stack) {
		kfree(t);
		return NULL;
	}
	t->kstack_top = (uint64_t)stack;
	t->proc = proc;
	t->cr3 = proc ? proc->root : vm_kernel_root();
	ksnprintf(t->name, sizeof(t->name), "%s", name);
	if (fpu_task_init(t)) {
		kstack_free(stack);
		kfree(t);
		return NULL;
	}

	uint64_t *sp = (uint64_t *)task_frame(t);
	*--sp = (uint64_t)task_first_entry;
	*--sp = 0;			/* rbp: ends backtraces */
	*--sp = 0;			/* rbx */
	*--sp = (uint64_t)fn;		/* r12 */
	*--sp = (uint64_t)arg;		/* r13 */
	*--sp = 0;			/* r14 */
	*--sp = 0;			/* r15 */
	*--sp = 2;			/* rflags: bit 1 is always set; IF off until task_entry_c */
	t->saved_rsp = (uint64_t)sp;

	uint64_t f = irq_save();
	t->tid = next_tid++;
	t->next_all = all_tasks;
	all_tasks = t;
	irq_restore(f);
	return t;
}

/* Called by task_first_entry in the new task, after finish_switch. */
void task_entry_c(void (*fn)(void *), void *arg)
{
	sti();
	fn(arg);
	task_exit(0);
}

struct task *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct task *t = task_new(name, NULL, fn, arg);
	if (t)
		sched_add(t);
	return t;
}

/* The first thing a user task runs: leave for user mode through the trap frame. */
static void enter_user(void *unused)
{
	(void)unused;
	cli();
	return_to_user(task_frame(current()));
}

/* A user task in proc that will start with the registers in regs. */
struct task *task_alloc(const char *name, struct process *proc)
{
	return task_new(name, proc, enter_user, NULL);
}

void task_start_user(struct task *t, const struct trap_frame *regs)
{
	*task_frame(t) = *regs;
	sched_add(t);
}

struct trap_frame *task_user_frame(struct task *t)
{
	return task_frame(t);
}

/* Unlink and free a dead task.  Never the current one: we run on its stack. */
void task_free(struct task *t)
{
	for (struct task **pp = &all_tasks; *pp; pp = &(*pp)->next_all) {
		if (*pp == t) {
			*pp = t->next_all;
			break;
		}
	}
	fpu_task_free(t);
	signal_flush(&t->pending);
	kstack_free((void *)t->kstack_top);
	kfree(t);
}

/*
 * End the current task.  A thread zeroes and wakes its clear_child_tid word
 * (how musl's pthread_join learns it is gone); the last thread of a process
 * takes the process down with it.  The task itself is freed by whoever runs
 * next (finish_switch), since we are still standing on its stack.
 */
void task_exit(int code)
{
	struct task *t = current();
	if (t->proc) {
		if (t->clear_child_tid) {
			uint32_t zero = 0;
			if (copy_to_user((void *)t->clear_child_tid, &zero, sizeof(zero)) == 0)
				futex_wake_addr(t->proc, t->clear_child_tid, 1);
		}
		process_thread_exit(t, code);
	}
	cli();
	t->state = TASK_DEAD;
	schedule();
	panic("task_exit: dead task %s was scheduled again", t->name);
}

/* The live task with this tid, or NULL. */
struct task *task_by_tid(int tid)
{
	for (struct task *t = all_tasks; t; t = t->next_all)
		if (t->tid == tid && t->state != TASK_DEAD)
			return t;
	return NULL;
}
