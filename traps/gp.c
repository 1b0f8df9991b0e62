/*
 * #GP from user mode, and the one #GP that is not an error: a thread's
 * first ENQCMD.  ENQCMD faults with #GP(0) while IA32_PASID's valid bit is
 * clear (SDM vol. 2A ENQCMD).  Kestrel, as Linux, leaves each thread's
 * IA32_PASID invalid until that first use; the fix-up installs the
 * process's PASID in the thread's state and returns to the same RIP, so
 * the instruction runs again, now with a PASID.
 *
 * Why the update is safe right here: an exception from user mode arrives
 * through an interrupt gate, so interrupts are still off, and Kestrel's
 * kernel is not preempted; the registers hold this thread's state
 * (TIF_NEED_FPU_LOAD is clear on entry from user mode).  Linux's final
 * fixup (try_fixup_enqcmd_gp) relies on the same facts to write the MSR
 * directly; Kestrel still goes through the update API so there is one
 * rule for every change to a task's state.
 */
#include "kernel/kernel.h"
#include "mm/pasid.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "fpu/fpu.h"
#include "cpu/frame.h"
#include "traps/gp.h"
#include "traps/enqcmd.h"
#include "traps/traps.h"
#include "lib/enqcmd_decode.h"

#ifdef KESTREL_TEST
/* Kernel test hook (kernel/pasid_test.c): switch the task out between the
 * fix-up and the retry, so the PASID must survive a save and a restore. */
bool gp_fixup_then_reschedule;
#endif

/* NULL if the #GP was a thread's first ENQCMD and is now fixed; else why not. */
static const char *enqcmd_fixup(struct trap_frame *tf)
{
	struct task *t = current();

	if (tf->error != 0)
		return "#GP general protection";
	if (!t->proc->pasid)
		return "#GP on ENQCMD: the process is not bound to a device (no PASID)";
	// LAB pasid: begin
	if (t->fpu.pasid_activated)
		return "#GP on ENQCMD after this thread's PASID was installed (a real #GP)";

	uint64_t *pasid_msr = xstate_begin_update(t, XFEATURE_PASID);
	if (!pasid_msr)
		return "#GP on ENQCMD: no PASID state on this CPU";
	*pasid_msr = t->proc->pasid | IA32_PASID_VALID;
	xstate_finish_update(t, XFEATURE_PASID);
	t->fpu.pasid_activated = true;	/* a second #GP is a real one */
	t->fpu.pasid_fixups++;
	// LAB pasid: stub
	//	return "#GP on ENQCMD: the fix-up is not written yet (traps/gp.c, lab pasid)";
	// LAB pasid: end
#ifdef KESTREL_TEST
	if (gp_fixup_then_reschedule)
		t->flags |= TIF_NEED_RESCHED;
#endif
	return NULL;
}

/* The #GP of an instruction the caller has decoded as ENQCMD: the
 * emulation's (one fetch and decode per trap) or user_gp's. */
void enqcmd_gp(struct trap_frame *tf)
{
	const char *why = enqcmd_fixup(tf);
	if (why)
		user_gp_fault(tf, why);
}

/* A #GP the CPU raised in user mode: decoded here, once. */
void user_gp(struct trap_frame *tf)
{
	uint8_t bytes[ENQCMD_MAX_LEN];
	struct enqcmd_insn insn;

	if (tf->error == 0 &&
	    enqcmd_decode(bytes, (size_t)fetch_user_insn(tf->rip, bytes), &insn) == ENQCMD_DECODED)
		enqcmd_gp(tf);
	else
		user_gp_fault(tf, "#GP general protection");
}
