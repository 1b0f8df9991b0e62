/*
 * Changing one component of a task's extended state: the one way anything
 * outside fpu/switch.c touches a task's buffer.
 *
 *	uint32_t *pkru = xstate_begin_update(t, XFEATURE_PKRU);
 *	*pkru = new_value;
 *	xstate_finish_update(t, XFEATURE_PKRU);
 *
 * begin hides where the state lives.  If t's registers are live (t is
 * current and TIF_NEED_FPU_LOAD is clear) the one component is first
 * brought into the buffer; if XSTATE_BV says the component is in its init
 * state, the init value is written into the buffer, so the caller never
 * reads garbage (XSAVE leaves an init component's bytes untouched).
 *
 * finish marks the component present, then makes sure the task will run
 * with the new value:
 *   - registers live (t is current, TIF_NEED_FPU_LOAD clear): restore
 *     that one component now (WRPKRU, the PASID register, or XRSTOR with a
 *     one-bit RFBM).  The other components stay live in the registers;
 *     setting the flag instead would throw away their unsaved changes.
 *   - otherwise: the buffer is what the task will be restored from; just
 *     forget that its registers might still be valid (fpu_invalidate),
 *     or a task that still looks like the owner on this CPU would skip
 *     the XRSTOR on its way out and silently lose the edit.
 * PKRU is different (fpu/pkru.c): for the current task the register is
 * always live, TIF_NEED_FPU_LOAD or not, and no XRSTOR loads it; so begin
 * reads it with RDPKRU and finish writes it with WRPKRU whenever t is
 * current, and for any other task the buffer is what the next switch
 * writes.
 * docs/extended-state.md compares this with what Linux finally merged.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "kernel/panic.h"

static void *scratch;	/* one component, XSAVEC/XSAVES'd alone */

/* At boot: the scratch buffer, allocated once rather than in a task's path. */
void xstate_update_init(void)
{
	if (fpu_cfg.compacted && !(scratch = kmalloc(fpu_cfg.size)))
		panic("x86/fpu: no memory for the update API's scratch buffer");
}

static bool in_buffer_bv(struct task *t, int f)
{
	return fpu_cfg.strategy == FPU_FXSAVE || (xregs(t->fpu.state)->header.xfeatures >> f & 1);
}

static void set_bv(struct task *t, int f, bool present)
{
	if (fpu_cfg.strategy == FPU_FXSAVE)
		return;		/* the legacy image has no XSTATE_BV: always present */
	if (present)
		xregs(t->fpu.state)->header.xfeatures |= 1ull << f;
	else
		xregs(t->fpu.state)->header.xfeatures &= ~(1ull << f);
}

static void *component(void *buf, int f)
{
	return (char *)buf + fpu_cfg.offset[f];
}

/*
 * The legacy area is shared: x87 owns bytes 0-23 and 32-159, SSE owns
 * MXCSR (24-31) and the XMM registers (160-415) (SDM vol. 1 13.4.1).
 * Kestrel's tables split it as Linux does, x87 0-159 and SSE 160-415, so
 * x87 and SSE are saved and restored together (XSAVE* write MXCSR, and
 * XRSTOR* load it, with RFBM bit 1 or 2: 13.7, 13.8), and the init fill of
 * x87 steps around MXCSR.
 */
#define LEGACY_MASK ((1ull << XFEATURE_FP) | (1ull << XFEATURE_SSE))

static uint64_t rfbm_for(int f)
{
	return f < FIRST_EXTENDED_XFEATURE ? LEGACY_MASK : 1ull << f;
}

/* Write component f's init value into buf, around MXCSR for x87. */
static void init_fill(void *buf, int f)
{
	const char *init = fpu_init_state;
	// LAB update: begin
	if (f == XFEATURE_FP) {
		struct fxregs_state *fx = &xregs(buf)->i387;
		const struct fxregs_state *ifx = &xregs_const(init)->i387;
		memcpy(fx, ifx, offsetof(struct fxregs_state, mxcsr));	/* FCW .. FDP */
		memcpy(fx->st_space, ifx->st_space, sizeof(fx->st_space));
	} else {
		memcpy(component(buf, f), init + fpu_cfg.offset[f], fpu_cfg.sizes[f]);
	}
	// LAB update: stub
	//	memcpy(component(buf, f), init + fpu_cfg.offset[f], fpu_cfg.sizes[f]);
	// LAB update: end
}

/* Copy component f from the live registers into t's buffer. */
static void save_one(struct task *t, int f)
{
	if (f == XFEATURE_PKRU) {
		*(uint32_t *)component(t->fpu.state, f) = rdpkru();
		set_bv(t, f, true);
	} else if (f == XFEATURE_PASID) {
		pasid_save_live(t);
	} else if (!fpu_cfg.compacted) {
		/* Standard format: XSAVE with a one-bit RFBM writes just that
		 * component and its XSTATE_BV bit, in place (SDM 13.7). */
		xsave_to(t->fpu.state, rfbm_for(f));
	} else if (f < FIRST_EXTENDED_XFEATURE) {
		/* Compacted, legacy area: it sits at the same place in every
		 * layout, so save x87+SSE alone into the scratch buffer and copy
		 * the area over.  The scratch buffer is shared: only bytes this
		 * save wrote may leave it.  xsave_to() always writes SSE and
		 * MXCSR; x87 in its init state is not written, so fill it. */
		xsave_to(scratch, LEGACY_MASK);
		if (!(xregs(scratch)->header.xfeatures & (1ull << XFEATURE_FP)))
			init_fill(scratch, XFEATURE_FP);
		memcpy(t->fpu.state, scratch, offsetof(struct fxregs_state, padding));
		set_bv(t, XFEATURE_FP, true);
		set_bv(t, XFEATURE_SSE, true);
	} else {
		/* Compacted: XSAVEC/XSAVES rewrite the whole header and lay out
		 * only the requested components, so a one-bit save into t's own
		 * buffer would move the component and clear every other
		 * XSTATE_BV bit.  Save it alone, then copy it into place, or
		 * only its XSTATE_BV bit if the CPU wrote nothing (init). */
		xsave_to(scratch, 1ull << f);
		bool inuse = xregs(scratch)->header.xfeatures >> f & 1;
		if (inuse)	/* alone in a compacted image, it starts right after the header */
			memcpy(component(t->fpu.state, f), (char *)scratch + XSAVE_EXT_OFFSET, fpu_cfg.sizes[f]);
		set_bv(t, f, inuse);
	}
}

/* Are t's registers the truth for component f right now? */
static bool live_for(struct task *t, int f)
{
	if (t != current())
		return false;
	return f == XFEATURE_PKRU || !(t->flags & TIF_NEED_FPU_LOAD);
}

void *xstate_begin_update(struct task *t, int f)
{
	if (!t->fpu.state || f < 0 || f >= 64 || !((fpu_cfg.xfeatures | fpu_cfg.xfeatures_sw) >> f & 1))
		return NULL;	/* a kernel thread, no feature, or one this CPU lacks */
	fpregs_lock();
	// LAB update: begin
	if (live_for(t, f))
		save_one(t, f);
	if (f == XFEATURE_PASID ? !pasid_present(t) : !in_buffer_bv(t, f))
		init_fill(t->fpu.state, f);
	// LAB update: stub
	//	LAB_TODO("fpu/update.c: xstate_begin_update (lab update, docs/labs/update.md)");
	//	(void)live_for, (void)save_one, (void)in_buffer_bv, (void)init_fill;
	// LAB update: end
	return component(t->fpu.state, f);
}

/* Load component f of t's buffer into the live registers. */
static void restore_one(struct task *t, int f)
{
	if (f == XFEATURE_PKRU)
		wrpkru(*(uint32_t *)component(t->fpu.state, f));
	else if (f == XFEATURE_PASID)
		pasid_restore_live(t);
	else if (xrstor_from(t->fpu.state, rfbm_for(f)))
		panic("xstate_finish_update: restore of feature %d faulted", f);
}

void xstate_finish_update(struct task *t, int f)
{
	// LAB update: begin
	if (f == XFEATURE_PASID)
		pasid_mark_present(t);
	else
		set_bv(t, f, true);
	if (live_for(t, f))
		restore_one(t, f);
	else if (f != XFEATURE_PKRU)	/* PKRU is written at the next switch anyway */
		fpu_invalidate(t);
	// LAB update: stub
	//	LAB_TODO("fpu/update.c: xstate_finish_update (lab update, docs/labs/update.md)");
	//	(void)t, (void)f, (void)restore_one;
	// LAB update: end
	fpregs_unlock();
}

/* End a begin that only read the component: nothing to mark or reload. */
void xstate_end_read(struct task *t, int f)
{
	(void)t, (void)f;
	fpregs_unlock();
}
