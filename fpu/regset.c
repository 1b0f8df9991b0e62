/*
 * Reading and writing another task's extended state, for the teaching
 * shell and tests: the whole user state in the standard (non-compacted)
 * XSAVE format, as Linux's PTRACE_GETREGSET/NT_X86_XSTATE gives it, so a
 * debugger never needs to know the kernel's own format.
 *
 * Writes are validated before anything reaches the task's buffer, because
 * a bad header makes XRSTOR fault (SDM vol. 1 13.8): CVE-2017-15537 was a
 * debugger's write with bad XSTATE_BV bits that made the kernel's XRSTOR
 * fault later, and the registers then took another task's values.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "kernel/task.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "lib/string.h"

static uint32_t mxcsr_mask(void)
{
	return fpu_cfg.mxcsr_mask;	/* measured at boot (fpu/xstate.c) */
}

size_t xstate_regset_size(void)
{
	return fpu_cfg.std_size;
}

/* Copy t's state into out (xstate_regset_size() bytes), standard format. */
int xstate_regset_get(struct task *t, void *out)
{
	if (!t->fpu.state)
		return -EINVAL;
	memset(out, 0, fpu_cfg.std_size);
	for (int f = 0; f < 64; f++) {
		if (!(fpu_cfg.xcr0 >> f & 1))
			continue;
		void *src = xstate_begin_update(t, f);	/* fills init values for us */
		memcpy((char *)out + fpu_cfg.std_offset[f], src, fpu_cfg.sizes[f]);
		xstate_end_read(t, f);
	}
	if (fpu_cfg.strategy != FPU_FXSAVE) {
		xregs(out)->header.xfeatures = fpu_cfg.xcr0;	/* every feature was written, init or not */
		xregs(out)->i387.sw_reserved[0] = fpu_cfg.xcr0;	/* where Linux (and GDB) look */
	}
	return 0;
}

/* Why an image is refused, or NULL if it is acceptable. */
const char *xstate_regset_check(const void *img, size_t len)
{
	if (len != fpu_cfg.std_size)
		return "wrong size";
	if (xregs_const(img)->i387.mxcsr & ~mxcsr_mask())
		return "MXCSR reserved bits set";
	if (fpu_cfg.strategy == FPU_FXSAVE)
		return NULL;
	const uint64_t *hdr = (const uint64_t *)((const char *)img + XSAVE_HDR_OFFSET);
	if (hdr[0] & ~fpu_cfg.xcr0)
		return "XSTATE_BV has bits outside the enabled user features";
	if (hdr[1])
		return "XCOMP_BV must be 0 in the standard format";
	for (int i = 2; i < 8; i++)
		if (hdr[i])
			return "reserved XSAVE header bytes are not zero";
	return NULL;
}

/* Replace t's user state with img (validated first): 0 or -EINVAL. */
int xstate_regset_set(struct task *t, const void *img, size_t len)
{
	const char *why = xstate_regset_check(img, len);
	if (!t->fpu.state || why)
		return -EINVAL;
	uint64_t bv = fpu_cfg.strategy == FPU_FXSAVE ? ~0ull : xregs_const(img)->header.xfeatures;
	for (int f = 0; f < 64; f++) {
		if (!(fpu_cfg.xcr0 >> f & 1))
			continue;
		void *dst = xstate_begin_update(t, f);
		/* A clear XSTATE_BV bit means "init": write the init value. */
		const char *src = (bv >> f & 1) ? (const char *)img + fpu_cfg.std_offset[f]
						: (const char *)fpu_init_state + fpu_cfg.offset[f];
		memcpy(dst, src, fpu_cfg.sizes[f]);
		if (f == XFEATURE_FP) {
			/* MXCSR is always taken from the image (it is valid whatever
			 * XSTATE_BV says); MXCSR_MASK is the CPU's, not the image's. */
			xregs(dst)->i387.mxcsr = xregs_const(img)->i387.mxcsr;
			xregs(dst)->i387.mxcsr_mask = mxcsr_mask();
		}
		xstate_finish_update(t, f);
	}
	return 0;
}
