/*
 * The FPU owner (fpu/switch.c) and freed tasks.  fpu_owner says whose state
 * the registers hold, and a task that owns them skips its XRSTOR on the way
 * back to user mode.  A freed task must stop being the owner: its struct is
 * reused by the next allocation, and a new task at the same address would
 * otherwise be taken to own registers that hold the dead task's values.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "mm/heap.h"
#include "lib/printf.h"

/* Only its address is used: it makes fpu_task_init give the task a buffer. */
static struct process owner_test_proc;

static struct task *user_like_task(void)
{
	struct task *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->proc = &owner_test_proc;
	ksnprintf(t->name, sizeof(t->name), "owner-test");
	if (fpu_task_init(t)) {
		kfree(t);
		return NULL;
	}
	return t;
}

/* Through the return-to-user path: the task's image is loaded, it owns the
 * registers; then it is freed. */
static void fpu_owner_freed_after_restore(struct ktest *t)
{
	struct task *x = user_like_task();
	KASSERT(t, x != NULL);
	uint64_t f = irq_save();
	fpu_restore_for_user(x);		/* loads x's (init) image: x owns the registers */
	bool owned = fpregs_valid_for(x);
	fpu_task_free(x);
	bool still = fpregs_valid_for(x);
	irq_restore(f);
	KEXPECT(t, owned);			/* else this test proves nothing */
	ktest_check(t, !still, __FILE__, __LINE__, "a freed task still owns the FPU registers");
	kfree(x);
}

/* Through the switch-out path: saving its live registers makes it the owner. */
static void fpu_owner_freed_after_switch_out(struct ktest *t)
{
	struct task *x = user_like_task();
	KASSERT(t, x != NULL);
	uint64_t f = irq_save();
	fpu_restore_for_user(x);
	fpu_switch_out(x, current());		/* x is switched out: save, stay owner */
	bool owned = fpregs_valid_for(x);
	x->state = TASK_DEAD;
	fpu_task_free(x);
	bool still = fpregs_valid_for(x);
	irq_restore(f);
	KEXPECT(t, owned);
	ktest_check(t, !still, __FILE__, __LINE__, "a freed task still owns the FPU registers");
	kfree(x);
}

KTEST_SUITE(fpu_owner,
	KTEST_CASE(fpu_owner_freed_after_restore),
	KTEST_CASE(fpu_owner_freed_after_switch_out));
