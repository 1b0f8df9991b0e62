/*
 * Whose extended state is in the registers, and when it moves.
 *
 * fpu_owner is the fpu whose state the registers hold (or NULL: nobody's
 * reliably).  A task's registers are "valid" when it is the owner and its
 * last_cpu is this CPU; then returning to it needs no XRSTOR at all.
 *
 *   switch out of a user task T (registers live, TIF_NEED_FPU_LOAD clear):
 *	save T's registers to its buffer; T stays owner (the registers still
 *	match the buffer); set last_cpu
 *   switch to a user task N:  set TIF_NEED_FPU_LOAD on N; WRPKRU N's PKRU now
 *	(to a kernel thread: the init PKRU), since the kernel's own accesses
 *	to user pages obey it (fpu/pkru.c)
 *   return to user mode with TIF_NEED_FPU_LOAD:
 *	valid?  skip the restore : XRSTOR from N's buffer, N becomes owner
 *
 * A kernel thread has no user state: switching to one and back to T, with
 * nothing else touching the registers, costs one save and no restore.
 */
#include "kernel/kernel.h"
#include "cpu/cpu.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "uapi/errno.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "kernel/sched.h"
#include "mm/cache.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/printf.h"

#define THIS_CPU 0		/* Kestrel runs on one CPU */

static struct fpu *fpu_owner;
struct fpu_totals fpu_totals;

void fpregs_lock(void) { preempt_disable(); }
void fpregs_unlock(void) { preempt_enable(); }

bool fpregs_valid_for(const struct task *t)
{
	// LAB restore: begin
	return fpu_owner == &t->fpu && t->fpu.last_cpu == THIS_CPU;
	// LAB restore: stub
	//	(void)t;
	//	return false;
	// LAB restore: end
}

void fpu_invalidate(struct task *t)
{
	t->fpu.last_cpu = -1;
	if (fpu_owner == &t->fpu)
		fpu_owner = NULL;
}

/*
 * Task buffers at their exact size (fpu_cfg.size, from CPUID leaf 0xD),
 * 64-byte aligned as XSAVE requires (SDM vol. 1 13.4), packed into slabs:
 * kmalloc would round 2,720 bytes up to a page, and AMX's 10,752 to three.
 */
static struct kcache buffers;

void fpu_buffers_init(void)
{
	kcache_init(&buffers, "fpu", fpu_cfg.size, 64);
	kprintf("x86/fpu: task buffers of %lu bytes, %u in each slab of %u pages\n", buffers.size,
		buffers.per_slab, buffers.slab_pages);
}

int fpu_task_init(struct task *t)
{
	t->fpu.last_cpu = -1;
	if (!t->proc)
		return 0;		/* kernel threads own no user state */
	t->fpu.state = kcache_alloc(&buffers);
	if (!t->fpu.state)
		return -1;
	memcpy(t->fpu.state, fpu_init_state, fpu_cfg.size);
	t->flags |= TIF_NEED_FPU_LOAD;
	return 0;
}

/*
 * Only a task whose process is bound to a device can have a PASID in its
 * state (traps/gp.c installs it, for that process's PASID): for every other
 * task the component is init in its buffer and the emulated register is 0
 * while it runs, so the software save has nothing to do and the restore
 * only needs to clear the register (make bench: docs/bench.md).
 */
static bool may_have_pasid(const struct task *t)
{
	return t->proc && t->proc->pasid;
}

/* Save the current task's live registers to its own buffer. */
static void save_current(struct task *t)
{
	xsave_to(t->fpu.state, ~0ull);
	if (may_have_pasid(t))
		pasid_save_regs(t->fpu.state);
	t->fpu.saves++;
	fpu_totals.saves++;
	t->fpu.last_cpu = THIS_CPU;
	fpu_owner = &t->fpu;
}

/*
 * Linux's fpu_sync_fpstate: make t's buffer the truth.  Live registers are
 * saved and TIF_NEED_FPU_LOAD set, so later edits go to the buffer; the
 * registers stay valid, and the restore on the way out is skipped unless
 * an edit invalidates them.
 */
void fpu_sync_state(struct task *t)
{
	fpregs_lock();
	if (t == current() && t->fpu.state && !(t->flags & TIF_NEED_FPU_LOAD)) {
		save_current(t);
		t->flags |= TIF_NEED_FPU_LOAD;
	}
	fpregs_unlock();
}

/* t has no PASID (yet): IA32_PASID invalid, so its first ENQCMD will #GP
 * and earn one (traps/gp.c), and no fix-up counted. */
static void pasid_forget(struct task *t)
{
	t->fpu.pasid_activated = false;
	t->fpu.pasid_fixups = 0;
	uint64_t *pasid = xstate_begin_update(t, XFEATURE_PASID);
	if (pasid) {
		*pasid = 0;
		xstate_finish_update(t, XFEATURE_PASID);
	}
}

/* A new thread starts with a copy of its creator's state (as Linux's
 * fpu_clone), but with no PASID: each thread earns its own on first use. */
void fpu_clone(struct task *child, struct task *parent)
{
	fpregs_lock();
	if (parent == current() && !(parent->flags & TIF_NEED_FPU_LOAD))
		save_current(parent);
	memcpy(child->fpu.state, parent->fpu.state, fpu_cfg.size);
	fpregs_unlock();
	pasid_forget(child);
}

/* execve: the new program starts from the init state, and with no PASID
 * (the address space it was for is gone). */
void fpu_exec(struct task *t)
{
	fpu_reset_user_state(t);
	pasid_forget(t);
}

void fpu_task_free(struct task *t)
{
	if (fpu_owner == &t->fpu)
		fpu_owner = NULL;
	kcache_free(&buffers, t->fpu.state);
	t->fpu.state = NULL;
}

/* Called by schedule() with interrupts off, before switch_to(prev, next). */
void fpu_switch_out(struct task *prev, struct task *next)
{
	/* Never save when TIF_NEED_FPU_LOAD is set: the registers then hold
	 * someone else's state (or nothing of prev's), and saving would
	 * overwrite prev's good buffer with it. */
	// LAB restore: begin
	if (prev->proc && prev->state != TASK_DEAD && !(prev->flags & TIF_NEED_FPU_LOAD))
		save_current(prev);
	if (next->proc)
		next->flags |= TIF_NEED_FPU_LOAD;
	// LAB restore: stub
	//	(void)prev;
	//	LAB_TODO("fpu/switch.c: fpu_switch_out (lab restore, docs/labs/restore.md)");
	// LAB restore: end
	pkru_switch_to(next);
}

/*
 * FXSAVE/XSAVE on AMD CPUs without CPUID.80000008H:EBX[2] (XSAVEERPTR)
 * save the x87 instruction and data pointers (FIP, FDP, FOP) only when an
 * x87 exception is pending; otherwise the buffer keeps stale values and
 * the *registers* keep the previous task's, leaking where it last ran x87
 * code.  Overwrite them with a harmless load first, as Linux does.
 */
static void clear_x87_pointers(void)
{
	static int leaky = -1;
	if (leaky < 0)
		leaky = strcmp(cpu_vendor(), "AuthenticAMD") == 0 &&
			!(cpuid(0x80000000, 0).eax >= 0x80000008 && (cpuid(0x80000008, 0).ebx & 4));
	if (leaky)
		asm volatile("fnclex\n"
			     "emms\n"
			     "fildl %0" :: "m"(*(const int *)fpu_init_state));
}

/*
 * Called by exit_to_user_mode() with interrupts off: the last step before
 * user mode.  Returns -EFAULT if t's image faulted on XRSTOR; t's state is
 * then the init state and the caller decides what becomes of the task
 * (fpu/ never decides the fate of a process).
 */
int fpu_restore_for_user(struct task *t)
{
	// LAB restore: begin
	if (fpregs_valid_for(t)) {
		t->fpu.restores_skipped++;
		fpu_totals.restores_skipped++;
	} else {
		clear_x87_pointers();
		if (xrstor_from(t->fpu.state, ~0ull)) {
			/* A corrupt image got past validation.  The registers are
			 * now anyone's guess: nobody owns them.  Load the init image,
			 * so no state of anyone's is left, and report it. */
			fpu_owner = NULL;
			xrstor_from(fpu_init_state, ~0ull);
			memcpy(t->fpu.state, fpu_init_state, fpu_cfg.size);
			return -EFAULT;
		}
		pasid_restore_regs(may_have_pasid(t) ? t->fpu.state : NULL);
		t->fpu.restores++;
		fpu_totals.restores++;
		t->fpu.last_cpu = THIS_CPU;
		fpu_owner = &t->fpu;
	}
	// LAB restore: stub
	//	LAB_TODO("fpu/switch.c: fpu_restore_for_user (lab restore, docs/labs/restore.md)");
	//	(void)clear_x87_pointers;
	// LAB restore: end
	t->flags &= ~TIF_NEED_FPU_LOAD;
	return 0;
}

/*
 * Kernel code that wants the vector registers: save the current task's
 * state if it is live, mark it for reload, and make sure nobody counts as
 * owner, since the kernel is about to clobber the registers.
 */
void kernel_fpu_begin(void)
{
	fpregs_lock();
	// LAB restore: begin
	struct task *t = current();
	if (t->proc && !(t->flags & TIF_NEED_FPU_LOAD)) {
		save_current(t);
		t->flags |= TIF_NEED_FPU_LOAD;
	}
	fpu_owner = NULL;
	xrstor_from(fpu_init_state, ~0ull);	/* a clean MXCSR and FCW for the kernel */
	pasid_restore_regs(NULL);
	// LAB restore: stub
	//	LAB_TODO("fpu/switch.c: kernel_fpu_begin (lab restore, docs/labs/restore.md)");
	// LAB restore: end
}

void kernel_fpu_end(void)
{
	fpregs_unlock();
}
