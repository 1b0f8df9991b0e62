/*
 * The PASID machinery from the kernel's side: the allocator's limits, the
 * device's queue limit (deterministic here: this kernel thread is not
 * preempted, so the device cannot run while it submits), and the update
 * API on another thread's PASID state while that thread sleeps.
 */
#include "kernel/kernel.h"
#include "drivers/accel.h"
#include "mm/pasid.h"
#include "uapi/errno.h"
#include "kernel/ktest.h"
#include "kernel/process.h"
#include "kernel/time.h"
#include "fpu/fpu.h"
#include "kernel/sched.h"
#include "traps/gp.h"

static void pasid_allocator_limits_and_reuse(struct ktest *t)
{
	static int ids[PASID_LIMIT];
	int base = pasid_in_use();
	for (int round = 0; round < 4; round++) {
		int n = 0;
		while (n < PASID_LIMIT && (ids[n] = pasid_alloc(NULL)) > 0)
			n++;
		KEXPECT_EQ(t, n, PASID_LIMIT - base);
		KEXPECT_EQ(t, pasid_alloc(NULL), -ENOSPC);
		for (int i = 0; i < n; i++) {
			KEXPECT(t, ids[i] > 0 && ids[i] < (1 << PASID_BITS));	/* 0 is reserved */
			pasid_free((uint32_t)ids[i]);
		}
		KEXPECT_EQ(t, pasid_in_use(), base);
	}
}

static void pasid_queue_full_then_accepts(struct ktest *t)
{
	struct accel_desc d = { .flags_op = (uint32_t)ACCEL_NOOP << 24 };	/* PASID 0: nobody's */
	int accepted = 0;
	while (accel_submit(&d) == 0)
		accepted++;
	KEXPECT(t, accepted > 0 && accepted <= ACCEL_QUEUE_DEPTH);
	KEXPECT_EQ(t, accel_submit(&d), -EAGAIN);
	accel_drain(0);			/* let the device run */
	KEXPECT_EQ(t, accel_submit(&d), 0);
	accel_drain(0);
}

/* A thread whose PASID is active, asleep: read its PASID state through the
 * update API, then invalidate it.  Its next ENQCMD then #GPs with the
 * thread's PASID already activated: a real #GP, which kills it. */
static void pasid_update_of_a_sleeping_thread(struct ktest *t)
{
	char *argv[] = { "test-pasid", "enqcmd-sleep-enqcmd", NULL }, *envp[] = { NULL };
	long pid = process_spawn("test-pasid", argv, envp);
	KASSERT(t, pid > 0);
	struct task *p = NULL;
	for (int i = 0; i < 200 && !(p && p->fpu.pasid_activated && p->state == TASK_SLEEPING); i++) {
		sleep_until(timer_ticks() + 2);
		p = task_by_tid((int)pid);
	}
	KASSERT(t, p && p->fpu.pasid_activated && p->state == TASK_SLEEPING);
	uint64_t *pasid = xstate_begin_update(p, XFEATURE_PASID);
	KASSERT(t, pasid != NULL);
	KEXPECT_EQ(t, *pasid, p->proc->pasid | IA32_PASID_VALID);
	*pasid = 0;
	xstate_finish_update(p, XFEATURE_PASID);
	int status = 0;
	process_wait((int)pid, &status, 0);
	KEXPECT_EQ(t, status, W_SIGNALED(SIGSEGV));
}

/* Switched out between the fix-up and the retry, while another task
 * churns its own PKRU through the update API: the PASID comes back. */
static void pasid_survives_a_switch_before_the_retry(struct ktest *t)
{
	char *churn[] = { "test-pasid", "pkey-churn", NULL }, *bind[] = { "test-pasid", "bind-and-exit", NULL };
	char *envp[] = { NULL };
	gp_fixup_then_reschedule = true;
	long other = process_spawn("test-pasid", churn, envp);
	long pids[4];
	for (int i = 0; i < 4; i++)
		pids[i] = process_spawn("test-pasid", bind, envp);
	for (int i = 0; i < 4; i++) {
		int status = -1;
		process_wait((int)pids[i], &status, 0);
		KEXPECT_EQ(t, status, 0);	/* one #GP, then the NOOP completed */
	}
	int status;
	process_wait((int)other, &status, 0);
	gp_fixup_then_reschedule = false;
}

KTEST_SUITE(pasid,
	KTEST_CASE(pasid_allocator_limits_and_reuse),
	KTEST_CASE(pasid_queue_full_then_accepts),
	KTEST_CASE(pasid_update_of_a_sleeping_thread),
	KTEST_CASE(pasid_survives_a_switch_before_the_retry));
