/*
 * The deferred-restore rules, checked with real user tasks: each case
 * spawns user/xstate-probe, which holds a register pattern across a
 * system call and exits 0 only if its registers come back right.  The
 * test runner is a kernel thread, so while it runs the probe's registers
 * stay cached (it owns no user state of its own): exactly the situation
 * the owner/last_cpu check and its invalidations are about.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "kernel/sched.h"
#include "lib/string.h"
#include "lib/printf.h"

#define VALUE 0x5eed0fca11ab1e00ul

static long spawn(char *a1, char *a2, char *a3, char *a4)
{
	char *argv[] = { "xstate-probe", a1, a2, a3, a4, NULL };
	char *envp[] = { NULL };
	return process_spawn("xstate-probe", argv, envp);
}

static int wait_for(long pid)
{
	int status = -1;
	process_wait((int)pid, &status, 0);
	return status;
}

static void nap(int ms)
{
	sleep_until(timer_ticks() + ms * HZ / 1000);
}

/* A task that sleeps with only kernel threads running meanwhile comes back
 * to registers it still owns: no XRSTOR. */
static void fpu_owner_skips_restore(struct ktest *t)
{
	uint64_t skipped = fpu_totals.restores_skipped;
	long pid = spawn("sleeps", "7", "10", "5");
	KASSERT(t, pid > 0);
	KEXPECT_EQ(t, wait_for(pid), 0);
	KEXPECT(t, fpu_totals.restores_skipped - skipped >= 9);
}

/* Two tasks holding different patterns through 10^5 switches (LazyFP's
 * test: docs/extended-state.md, the table of regressions). */
static void fpu_two_tasks_keep_their_registers(struct ktest *t)
{
	uint64_t restores = fpu_totals.restores;
	long a = spawn("yields", "11", "60000", NULL), b = spawn("yields", "12", "60000", NULL);
	KASSERT(t, a > 0 && b > 0);
	KEXPECT_EQ(t, wait_for(a), 0);
	KEXPECT_EQ(t, wait_for(b), 0);
	KEXPECT(t, fpu_totals.restores - restores >= 100000);	/* they really alternated */
	KEXPECT(t, !(read_cr0() & (1ul << 3)));	/* CR0.TS: never lazy #NM switching (LazyFP) */
}

/*
 * Two programs that never enter the kernel (xstate-probe burns), each with
 * its own pattern in XMM0-15 and MXCSR, taking turns only when the timer
 * preempts them: the save on the way out of each and the restore on the
 * way back are all that keeps the two apart.
 */
static void fpu_preempted_programs_keep_their_registers(struct ktest *t)
{
	char s1[24], s2[24];
	ksnprintf(s1, sizeof(s1), "%lu", ktest_seed() * 2 + 1);
	ksnprintf(s2, sizeof(s2), "%lu", ktest_seed() * 2 + 2);
	uint64_t saves = fpu_totals.saves, restores = fpu_totals.restores;
	long a = spawn("burns", s1, "0x2000000", NULL), b = spawn("burns", s2, "0x2000000", NULL);
	KASSERT(t, a > 0 && b > 0);
	KEXPECT_EQ(t, wait_for(a), 0);
	KEXPECT_EQ(t, wait_for(b), 0);
	/* Each preemption of one by the other is one save and one restore. */
	KEXPECT(t, fpu_totals.saves - saves >= 2);
	KEXPECT(t, fpu_totals.restores - restores >= 2);
}

/* Edit a sleeping task whose registers are still cached: the edit must be
 * seen when it resumes, so finish must invalidate the cache. */
static void fpu_update_of_cached_sleeping_task(struct ktest *t)
{
	char value[24];
	ksnprintf(value, sizeof(value), "0x%lx", VALUE);
	long pid = spawn("edit", "21", value, "500");
	KASSERT(t, pid > 0);
	/* Wait (in emulated time, however slow the host) for its nanosleep;
	 * look the task up each time, in case it has already gone. */
	struct task *p = NULL;
	for (int i = 0; i < 200 && !(p && p->state == TASK_SLEEPING); i++) {
		nap(2);
		p = task_by_tid((int)pid);
	}
	KASSERT(t, p && p->state == TASK_SLEEPING);
	KEXPECT(t, fpregs_valid_for(p));		/* still the owner */
	uint64_t *xmm0 = xstate_begin_update(p, XFEATURE_SSE);
	KASSERT(t, xmm0 != NULL);
	*xmm0 = VALUE;
	xstate_finish_update(p, XFEATURE_SSE);
	KEXPECT(t, !fpregs_valid_for(p));
	KEXPECT_EQ(t, wait_for(pid), 0);
}

/* The update API on the current task while another task's registers are
 * loaded (TIF_NEED_FPU_LOAD set): begin must not XSAVE them. */
static void fpu_update_of_task_needing_load(struct ktest *t)
{
	char value[24];
	ksnprintf(value, sizeof(value), "0x%lx", VALUE);
	long spinner = spawn("spin", "31", "200", NULL);
	long pid = spawn("selftest", "32", value, NULL);
	KASSERT(t, spinner > 0 && pid > 0);
	KEXPECT_EQ(t, wait_for(pid), 0);
	KEXPECT_EQ(t, wait_for(spinner), 0);
}

/* Kernel use of the vector registers while a user task's state is cached. */
static void fpu_kernel_fpu_begin_saves_the_owner(struct ktest *t)
{
	long pid = spawn("sleeps", "41", "3", "30");
	KASSERT(t, pid > 0);
	nap(15);
	kernel_fpu_begin();
	asm volatile("pcmpeqd %%xmm0, %%xmm0\n"
		     "movdqa %%xmm0, %%xmm1\n"
		     "movdqa %%xmm0, %%xmm15\n" ::: "memory");	/* (no xmm clobbers: the kernel is built -mgeneral-regs-only) */
	kernel_fpu_end();
	KEXPECT_EQ(t, wait_for(pid), 0);
}

/* kernel_fpu_begin in a system call, with the caller's registers live: it
 * must save them itself and mark them for a load, or the caller returns to
 * the init image the kernel loaded, or to a stale buffer. */
static void fpu_kernel_fpu_begin_in_a_system_call(struct ktest *t)
{
	uint64_t restores = fpu_totals.restores;
	long pid = spawn("kernelfpu", "43", NULL, NULL);
	KASSERT(t, pid > 0);
	KEXPECT_EQ(t, wait_for(pid), 0);
	KEXPECT(t, fpu_totals.restores > restores);
}

/* A task switched out twice with no return to user mode between (a wait
 * another exit wakes first) must not save, the second time, the registers
 * someone else left loaded: its flag says they are not its own. */
static void fpu_switch_out_never_saves_a_task_needing_a_load(struct ktest *t)
{
	long pid = spawn("waits", "44", NULL, NULL);
	KASSERT(t, pid > 0);
	KEXPECT_EQ(t, wait_for(pid), 0);
}

/* A component in its init state reads as its init value, whatever bytes
 * the buffer holds (XSAVE leaves an init component's area untouched). */
static void fpu_update_of_init_component(struct ktest *t)
{
	long pid = spawn("sleeps", "51", "1", "1");
	struct task *p = task_by_tid((int)pid);
	KASSERT(t, p != NULL);	/* not run yet: its buffer is the init image */
	for (int f = FIRST_EXTENDED_XFEATURE; f < 64; f++) {
		if (!(fpu_cfg.xcr0 >> f & 1))
			continue;
		KEXPECT(t, !(xregs(p->fpu.state)->header.xfeatures >> f & 1));
		memset((char *)p->fpu.state + fpu_cfg.offset[f], 0xaa, fpu_cfg.sizes[f]);
		uint8_t *c = xstate_begin_update(p, f);
		bool zero = true;	/* every feature past SSE initialises to zeros */
		for (uint32_t i = 0; i < fpu_cfg.sizes[f]; i++)
			zero &= c[i] == 0;
		xstate_end_read(p, f);
		ktest_check(t, zero, __FILE__, __LINE__, "feature %d does not read as its init value", f);
	}
	memset((char *)p->fpu.state + fpu_cfg.offset[XFEATURE_PASID], 0xaa, 8);
	uint64_t *pasid = xstate_begin_update(p, XFEATURE_PASID);	/* software or hardware */
	KASSERT(t, pasid != NULL);
	KEXPECT_EQ(t, *pasid, 0);		/* init: invalid, no PASID */
	xstate_end_read(p, XFEATURE_PASID);
	KEXPECT_EQ(t, wait_for(pid), 0);
}

/*
 * x87 in its init state while SSE is not: begin(x87) fills in the x87
 * init values (FCW 037FH, empty tags, zero registers: SDM vol. 1 13.6)
 * but not MXCSR, which is SSE state that XSAVE writes whenever RFBM[1] or
 * RFBM[2] is set (13.7), so the buffer's MXCSR is the task's.  A fill that
 * copies bytes 0-159 whole resets the task's rounding mode.
 */
static void fpu_update_fills_x87_init_around_mxcsr(struct ktest *t)
{
	if (fpu_cfg.strategy == FPU_FXSAVE)
		KSKIP(t, "FXSAVE: the image has no XSTATE_BV, x87 is never in init");
	long pid = spawn("sleeps", "52", "1", "1");
	struct task *p = task_by_tid((int)pid);
	KASSERT(t, p != NULL); /* not run yet: it starts from its buffer */
	struct fxregs_state *fx = &xregs(p->fpu.state)->i387;
	uint32_t mxcsr = 0x1f80 | (uint32_t)(ktest_seed() & 3) << 13 | 0x8000; /* rounding, FZ */
	memset(fx, 0xaa, offsetof(struct fxregs_state, xmm_space));
	fx->mxcsr = mxcsr;
	fx->mxcsr_mask = fpu_cfg.mxcsr_mask;
	xregs(p->fpu.state)->header.xfeatures &= ~(1ull << XFEATURE_FP);
	xregs(p->fpu.state)->header.xfeatures |= 1ull << XFEATURE_SSE;
	struct fxregs_state *c = xstate_begin_update(p, XFEATURE_FP);
	KASSERT(t, c != NULL);
	KEXPECT_EQ(t, c->cwd, 0x37f);
	KEXPECT_EQ(t, c->swd, 0);
	KEXPECT_EQ(t, c->twd, 0);
	bool zero = true;
	for (size_t i = 0; i < sizeof(c->st_space); i++)
		zero &= ((uint8_t *)c->st_space)[i] == 0;
	ktest_check(t, zero, __FILE__, __LINE__, "ST0-7 do not read as zeros");
	ktest_check(t, c->mxcsr == mxcsr, __FILE__, __LINE__,
		    "MXCSR is 0x%x after the x87 init fill, want the task's 0x%x: the fill must "
		    "step around bytes 24-31",
		    c->mxcsr, mxcsr);
	xstate_end_read(p, XFEATURE_FP);
	KEXPECT_EQ(t, wait_for(pid), 0);
}

/* A corrupt image that reaches XRSTOR kills its task, not the kernel, and
 * another task's cached registers survive. */
static void corrupt(void *buf)
{
	if (fpu_cfg.strategy == FPU_FXSAVE)
		xregs(buf)->i387.mxcsr = 0xffffffff;	/* MXCSR reserved bits */
	else
		xregs(buf)->header.xfeatures |= 1ull << 62;			/* not an enabled feature */
}

/* Does this CPU's restore instruction fault on the corrupt image at all? */
static bool restore_faults(void)
{
	static uint8_t img[16384] __attribute__((aligned(64)));
	memcpy(img, fpu_init_state, fpu_cfg.size);
	corrupt(img);
	kernel_fpu_begin();
	int err = xrstor_from(img, ~0ull);
	xrstor_from(fpu_init_state, ~0ull);
	kernel_fpu_end();
	return err != 0;
}

static void fpu_faulting_restore_kills_only_the_task(struct ktest *t)
{
	if (!restore_faults())
		KSKIP(t, "this CPU's restore accepts the corrupt image (QEMU's FXRSTOR ignores MXCSR reserved bits)");
	long victim = spawn("sleeps", "61", "4", "25");
	long bad = spawn("sleeps", "62", "1", "10");
	struct task *p = task_by_tid((int)bad);
	KASSERT(t, victim > 0 && p != NULL);
	corrupt(p->fpu.state);
	KEXPECT_EQ(t, wait_for(bad), W_SIGNALED(SIGSEGV));
	KEXPECT_EQ(t, wait_for(victim), 0);
}

KTEST_SUITE(fpu, KTEST_CASE(fpu_owner_skips_restore),
	    KTEST_CASE(fpu_two_tasks_keep_their_registers),
	    KTEST_CASE(fpu_preempted_programs_keep_their_registers),
	    KTEST_CASE(fpu_update_of_cached_sleeping_task),
	    KTEST_CASE(fpu_update_of_task_needing_load),
	    KTEST_CASE(fpu_kernel_fpu_begin_saves_the_owner),
	    KTEST_CASE(fpu_kernel_fpu_begin_in_a_system_call),
	    KTEST_CASE(fpu_switch_out_never_saves_a_task_needing_a_load),
	    KTEST_CASE(fpu_update_of_init_component),
	    KTEST_CASE(fpu_update_fills_x87_init_around_mxcsr),
	    KTEST_CASE(fpu_faulting_restore_kills_only_the_task));
