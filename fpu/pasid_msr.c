/*
 * The PASID state component (XSAVE feature 10): one 64-bit register,
 * IA32_PASID (MSR 0xd93), valid bit 31 and the PASID in bits 19:0, which
 * ENQCMD copies into every descriptor it sends (SDM vol. 1 13.5.8).
 *
 * On a CPU that lists PASID in IA32_XSS it is real supervisor state, saved
 * and restored by XSAVES/XRSTORS with the rest.  No CPU Kestrel runs on
 * has it, so then Kestrel keeps the same component in software: 16 bytes
 * after the hardware part of each buffer (its own "XSTATE_BV" word and the
 * value), and pasid_register plays the MSR (one variable: Kestrel runs on
 * one CPU, so it is the per-CPU state).  The
 * switch and return-to-user code save and restore it at the same moments
 * as the hardware state, so every deferred-restore rule holds for it too.
 */
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"

#define MSR_IA32_PASID 0xd93

static uint64_t pasid_register;		/* the emulated IA32_PASID of this CPU */

struct sw_pasid { uint64_t present, value; };	/* at fpu_cfg.pasid_sw_offset */

static struct sw_pasid *sw(void *buf)
{
	return (struct sw_pasid *)((char *)buf + fpu_cfg.pasid_sw_offset);
}

/* Called with the rest of the save (switch out, kernel_fpu_begin, ...). */
void pasid_save_regs(void *buf)
{
	if (!fpu_cfg.pasid_emulated || !buf)
		return;
	/* As XSAVES's init optimization: a zero register is "in init state". */
	sw(buf)->present = pasid_register != 0;
	sw(buf)->value = pasid_register;
}

/* Called with the rest of the restore (exit_to_user_mode). */
void pasid_restore_regs(const void *buf)
{
	if (!fpu_cfg.pasid_emulated)
		return;
	pasid_register = buf && sw((void *)buf)->present ? sw((void *)buf)->value : 0;
}

/* The update API's hooks for this one component. */
void pasid_save_live(struct task *t)
{
	if (fpu_cfg.pasid_emulated) {
		pasid_save_regs(t->fpu.state);
		return;
	}
	*(uint64_t *)((char *)t->fpu.state + fpu_cfg.offset[XFEATURE_PASID]) = rdmsr(MSR_IA32_PASID);
	xregs(t->fpu.state)->header.xfeatures |= 1ull << XFEATURE_PASID;
}

void pasid_restore_live(struct task *t)
{
	if (fpu_cfg.pasid_emulated)
		pasid_restore_regs(t->fpu.state);
	else
		wrmsr(MSR_IA32_PASID, *(uint64_t *)((char *)t->fpu.state + fpu_cfg.offset[XFEATURE_PASID]));
}

bool pasid_present(struct task *t)
{
	if (fpu_cfg.pasid_emulated)
		return sw(t->fpu.state)->present;
	return xregs(t->fpu.state)->header.xfeatures >> XFEATURE_PASID & 1;
}

void pasid_mark_present(struct task *t)
{
	if (fpu_cfg.pasid_emulated)
		sw(t->fpu.state)->present = 1;
	else
		xregs(t->fpu.state)->header.xfeatures |= 1ull << XFEATURE_PASID;
}

/* What ENQCMD would read now: current's live register, or its buffer. */
uint64_t pasid_current_value(void)
{
	struct task *t = current();
	if (!t->fpu.state)
		return 0;
	if (!(t->flags & TIF_NEED_FPU_LOAD))
		return fpu_cfg.pasid_emulated ? pasid_register : rdmsr(MSR_IA32_PASID);
	return pasid_present(t) ? *(uint64_t *)((char *)t->fpu.state + fpu_cfg.offset[XFEATURE_PASID]) : 0;
}
