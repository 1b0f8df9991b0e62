/*
 * Kestrel's extended-state system calls: the counters behind the shell's
 * fpustat, the configuration, and the debugger's view of another task's
 * state (fpu/regset.c).  Structures match user/kestrel.h.
 */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "kernel/cmdline.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "mm/uaccess.h"
#include "fpu/fpu.h"
#include "uapi/kestrel_abi.h"
#include "cpu/frame.h"
#include "kernel/sched.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/printf.h"

/* fpustat(buf, n): one record per user task; returns how many exist. */
long sys_fpustat(struct trap_frame *tf)
{
	struct kestrel_fpustat *ubuf = (void *)tf->rdi;
	size_t n = tf->rsi, i = 0;
	for (struct task *t = task_list(); t; t = t->next_all) {
		if (!t->proc || t->state == TASK_DEAD)
			continue;
		if (i < n) {
			struct kestrel_fpustat r = {
				.tid = t->tid, .pid = t->proc->pid,
				.saves = t->fpu.saves, .restores = t->fpu.restores,
				.restores_skipped = t->fpu.restores_skipped,
				.pasid_fixups = t->fpu.pasid_fixups,
				.flags = (t->fpu.pasid_activated ? 1 : 0) | (fpregs_valid_for(t) ? 2 : 0) |
					 (t->flags & TIF_NEED_FPU_LOAD ? 4 : 0),
			};
			memcpy(r.name, t->name, sizeof(r.name));
			if (copy_to_user(&ubuf[i], &r, sizeof(r)))
				return -EFAULT;
		}
		i++;
	}
	return (long)i;
}

long sys_fpuinfo(struct trap_frame *tf)
{
	struct kestrel_fpuinfo info = {
		.size = fpu_cfg.size, .std_size = fpu_cfg.std_size,
		.xfeatures = fpu_cfg.xfeatures | fpu_cfg.xfeatures_sw, .xcr0 = fpu_cfg.xcr0, .xss = fpu_cfg.xss,
		.compacted = fpu_cfg.compacted, .pasid_emulated = fpu_cfg.pasid_emulated,
		.saves = fpu_totals.saves, .restores = fpu_totals.restores,
		.restores_skipped = fpu_totals.restores_skipped,
	};
	ksnprintf(info.strategy, sizeof(info.strategy), "%s", fpu_strategy_name(fpu_cfg.strategy));
	return copy_to_user((void *)tf->rdi, &info, sizeof(info));
}

/*
 * The debugger calls reach a user task by tid, but only one the caller may
 * trace: a thread of its own process or of a descendant process, as
 * Linux's ptrace allows under Yama's ptrace_scope 1 ("restricted": only
 * descendants).  Anything else is -EPERM; no task at all is -ESRCH.
 */
static bool may_trace(const struct process *tracer, const struct process *p)
{
	for (; p; p = p->parent)
		if (p == tracer)
			return true;
	return false;
}

static long traced_task(uint64_t tid, struct task **out)
{
	struct task *t = tid <= INT32_MAX ? task_by_tid((int)tid) : NULL;
	if (!t || !t->proc || t->state == TASK_DEAD)
		return -ESRCH;
	if (!may_trace(current()->proc, t->proc))
		return -EPERM;
	*out = t;
	return 0;
}

/* xstate_get(tid, buf, len): the standard-format image; returns its size. */
long sys_xstate_get(struct trap_frame *tf)
{
	struct task *t;
	size_t size = xstate_regset_size();
	long perm = traced_task(tf->rdi, &t);
	if (perm)
		return perm;
	if (tf->rdx < size)
		return -ERANGE;
	void *img = kmalloc(size);
	if (!img)
		return -ENOMEM;
	long err = xstate_regset_get(t, img);
	if (!err && copy_to_user((void *)tf->rsi, img, size))
		err = -EFAULT;
	kfree(img);
	return err ? err : (long)size;
}

/* xstate_set(tid, buf, len): validated, or -EINVAL with the reason on the console. */
long sys_xstate_set(struct trap_frame *tf)
{
	struct task *t;
	size_t len = tf->rdx;
	long perm = traced_task(tf->rdi, &t);
	if (perm)
		return perm;
	if (len != xstate_regset_size())
		return -EINVAL;
	void *img = kmalloc(len);
	if (!img)
		return -ENOMEM;
	long err = copy_from_user(img, (void *)tf->rsi, len);
	const char *why = err ? NULL : xstate_regset_check(img, len);
	if (why) {
		kprintf("kestrel: xstate_set on %s[%d] refused: %s\n", t->name, t->tid, why);
		err = -EINVAL;
	}
	if (!err)
		err = xstate_regset_set(t, img, len);
	kfree(img);
	return err;
}

#ifdef KESTREL_TEST
/*
 * A kernel test hook, only in the test kernel and only when booted with
 * ktest=: yield to
 * whoever else is runnable (so this task comes back with
 * TIF_NEED_FPU_LOAD set and someone else's registers loaded), then set
 * component `feature` of its own state to `value` (its first 8 bytes)
 * through the update API.  It lets a test reach the case the update API's
 * first trap is about: never XSAVE the registers of a task that needs a
 * load.  With op (rdx) KSELFTEST_KERNEL_FPU it runs kernel_fpu_begin/end
 * instead, on behalf of this task with its registers live: the one case
 * where kernel_fpu_begin must save a user task's registers itself.
 */
long sys_fpu_selftest(struct trap_frame *tf)
{
	uint64_t value = tf->rsi;
	if (!cmdline_has("ktest"))
		return -ENOSYS;
	if (tf->rdx == KSELFTEST_KERNEL_FPU) {
		kernel_fpu_begin(); /* clobbers the registers with the init image */
		kernel_fpu_end();
		return (current()->flags & TIF_NEED_FPU_LOAD) ? 1 : 0;
	}
	if (tf->rdx != 0)
		return -EINVAL;
	if (tf->rdi >= 64)	/* an XSAVE feature index, before any shift by it */
		return -EINVAL;
	int f = (int)tf->rdi;
	yield();
	uint64_t *p = xstate_begin_update(current(), f);
	if (!p)
		return -EINVAL;
	memcpy(p, &value, f == XFEATURE_PKRU ? 4 : 8);
	xstate_finish_update(current(), f);
	return (current()->flags & TIF_NEED_FPU_LOAD) ? 1 : 0;
}
#endif
