/*
 * The extended state in a signal frame, as Linux's arch/x86/kernel/fpu/
 * signal.c lays it out for user space: the standard (non-compacted) XSAVE
 * image of the user features, _fpx_sw_bytes in the FXSAVE area's software
 * bytes, FP_XSTATE_MAGIC2 after the image; on a CPU without XSAVE, the
 * 512-byte FXSAVE image alone.  The kernel's own buffer may be compacted:
 * it is converted by the debugger's code (fpu/regset.c), once each way,
 * so the frame, the debugger and the buffer never disagree about a byte.
 *
 * The frame is memory the user controls, and sigreturn is where Linux
 * shipped its worst extended-state bugs (docs/signals.md): every image is
 * read into the kernel, checked as XRSTOR would check it, and only then
 * written into the task's buffer through the update API.  A bad image
 * leaves the task with its user state at init, never with stale registers.
 *
 * PKRU, as Linux since 6.12: the frame is written with every key open (the
 * stack may be under a key the handler has not opened), the frame holds
 * the interrupted PKRU, and the handler starts with the init value.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "uapi/signal.h"
#include "kernel/task.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/types.h"
#include "mm/uaccess.h"
#include "mm/heap.h"
#include "lib/string.h"

#define PKRU_ALL_OPEN 0

static bool use_xsave(void) { return fpu_cfg.strategy != FPU_FXSAVE; }

/* Bytes at the frame's fpstate pointer. */
size_t fpu_sigframe_fpstate_size(void)
{
	return fpu_cfg.std_size + (use_xsave() ? K_FP_XSTATE_MAGIC2_SIZE : 0);
}

/* The worst-case frame (Linux's get_sigframe_size(), AT_MINSIGSTKSZ): the
 * rest of the frame, alignment to 16, the state and alignment to 64. */
size_t fpu_sigframe_size(void)
{
	size_t n = sizeof(struct k_rt_sigframe) + 15 + fpu_sigframe_fpstate_size() + 63;
	return (n + 15) & ~15ul;
}

static struct k_fpx_sw_bytes *sw_bytes(void *img)
{
	return (struct k_fpx_sw_bytes *)((char *)img + K_FPX_SW_BYTES_OFFSET);
}

static void set_pkru(struct task *t, uint32_t value)
{
	uint32_t *pkru = xstate_begin_update(t, XFEATURE_PKRU);
	if (pkru) {
		*pkru = value;
		xstate_finish_update(t, XFEATURE_PKRU);
	}
}

/*
 * Write t's (the current task's) user state at ufp, 64-byte aligned.
 * Leaves every protection key open for the rest of the frame; the caller
 * ends with fpu_reset_user_state() or, if the frame failed, fpu_signal_abort().
 */
int fpu_sigframe_save(struct task *t, void *ufp)
{
	// LAB signals: begin
	size_t n = fpu_sigframe_fpstate_size();
	char *img = kmalloc(n);
	if (!img)
		return -ENOMEM;
	fpu_sync_state(t); /* one XSAVE; the copy below reads the buffer */
	xstate_regset_get(t, img);
	if (use_xsave()) {
		*sw_bytes(img) = (struct k_fpx_sw_bytes){
			.magic1 = K_FP_XSTATE_MAGIC1,
			.extended_size = (uint32_t)n,
			.xfeatures = fpu_cfg.xcr0,
			.xstate_size = fpu_cfg.std_size,
		};
		*(uint32_t *)(img + fpu_cfg.std_size) = K_FP_XSTATE_MAGIC2;
	}
	t->fpu.sig_pkru = pkru_enabled() ? rdpkru() : 0;
	if (pkru_enabled())
		set_pkru(t, PKRU_ALL_OPEN);
	int err = copy_to_user(ufp, img, n);
	kfree(img);
	if (err)
		fpu_signal_abort(t);
	return err;
	// LAB signals: stub
	//	(void)t, (void)ufp;
	//	LAB_TODO("fpu/signal.c: fpu_sigframe_save (lab signals, docs/labs/signals.md)");
	//	return -EFAULT;
	// LAB signals: end
}

void fpu_signal_abort(struct task *t)
{
	if (pkru_enabled())
		set_pkru(t, t->fpu.sig_pkru);
}

/*
 * Every user component back to its init value (PKRU too: the handler, a
 * new program, or a task whose frame was bad starts clean).  Supervisor
 * state (the PASID, CET) is not the user's to lose and stays.
 */
void fpu_reset_user_state(struct task *t)
{
	fpu_sync_state(t);
	for (int f = 0; f < 64; f++) {
		if (!(fpu_cfg.xcr0 >> f & 1))
			continue;
		void *dst = xstate_begin_update(t, f);
		memcpy(dst, (const char *)fpu_init_state + fpu_cfg.offset[f], fpu_cfg.sizes[f]);
		xstate_finish_update(t, f);
	}
}

/*
 * Read the image at ufp as Linux's __fpu_restore_sig does: a frame without
 * MAGIC1, with an impossible size or without MAGIC2 holds only the legacy
 * (x87 and SSE) state, the rest is init; otherwise XRSTOR's rules apply
 * with RFBM = the frame's xfeatures: a component comes from the image if
 * both RFBM and XSTATE_BV have it, and is init if not.  Only the bytes
 * XRSTOR would read are read.  Returns the standard image to install in
 * img, -EFAULT if the frame could not be read, -EINVAL if XRSTOR would
 * refuse it (#GP).
 */
static int read_image(char *img, const char *ufp)
{
	// LAB signals: begin
	struct xregs_state *x = (struct xregs_state *)img;
	memset(img, 0, fpu_cfg.std_size);
	if (copy_from_user(img, ufp, FXSAVE_SIZE))
		return -EFAULT;
	if (!use_xsave())
		return xstate_regset_check(img, fpu_cfg.std_size) ? -EINVAL : 0;

	struct k_fpx_sw_bytes sw = *sw_bytes(img);
	uint32_t magic2 = 0;
	bool fx_only = sw.magic1 != K_FP_XSTATE_MAGIC1 || sw.xstate_size < XSAVE_EXT_OFFSET ||
		       sw.xstate_size > fpu_cfg.std_size || sw.xstate_size > sw.extended_size;
	if (!fx_only && copy_from_user(&magic2, ufp + sw.xstate_size, sizeof(magic2)))
		return -EFAULT;
	fx_only |= magic2 != K_FP_XSTATE_MAGIC2;
	uint64_t rfbm = fx_only ? (1ull << XFEATURE_FP) | (1ull << XFEATURE_SSE)
				: sw.xfeatures & fpu_cfg.xcr0;
	if (fx_only) {
		x->header =
			(struct xstate_header){ .xfeatures = rfbm }; /* FXRSTOR reads no header */
	} else {
		if (copy_from_user(&x->header, ufp + XSAVE_HDR_OFFSET, XSAVE_HDR_SIZE))
			return -EFAULT;
		uint64_t bv = x->header.xfeatures;
		for (int f = FIRST_EXTENDED_XFEATURE; f < 64; f++)
			if ((bv & rfbm & fpu_cfg.xcr0) >> f & 1 &&
			    copy_from_user(img + fpu_cfg.std_offset[f], ufp + fpu_cfg.std_offset[f],
					   fpu_cfg.sizes[f]))
				return -EFAULT;
	}
	/* MXCSR is loaded, and so checked, only if RFBM has SSE or AVX (SDM
	 * vol. 1 13.8.1); else it is init. */
	if (!(rfbm & ((1ull << XFEATURE_SSE) | (1ull << XFEATURE_YMM))))
		x->i387.mxcsr = MXCSR_INIT;
	if (xstate_regset_check(img, fpu_cfg.std_size))
		return -EINVAL;	     /* what XRSTOR would #GP on: checked on the whole header */
	x->header.xfeatures &= rfbm; /* outside RFBM is init, as Linux loads it */
	return 0;
	// LAB signals: stub
	//	(void)img, (void)ufp, (void)use_xsave, (void)sw_bytes, (void)set_pkru;
	//	LAB_TODO("fpu/signal.c: read_image, the frame's checks (lab signals)");
	//	return -EINVAL;
	// LAB signals: end
}

/*
 * rt_sigreturn's extended state, from the frame at ufp (0: none, init).
 * 0, or -EFAULT/-EINVAL with t's user state reset to init: the caller
 * sends SIGSEGV.  Afterwards t's buffer is the truth and its registers
 * are reloaded on the way out (owner and last CPU forgotten).
 */
int fpu_sigframe_restore(struct task *t, const void *ufp)
{
	if (!ufp) {
		fpu_reset_user_state(t);
		return 0;
	}
	char *img = NULL;
	int err = (uint64_t)ufp & 63 ? -EINVAL : 0; /* XRSTOR's alignment (SDM vol. 1 13.4) */
	if (!err && !(img = kmalloc(fpu_cfg.std_size)))
		err = -ENOMEM;
	if (!err)
		err = read_image(img, ufp);
	if (!err) {
		fpu_sync_state(t); /* supervisor state (the PASID) into the buffer first */
		err = xstate_regset_set(t, img, fpu_cfg.std_size);
	}
	kfree(img);
	if (err)
		fpu_reset_user_state(t);
	return err;
}

/*
 * Which x87 (#MF, x87 true) or SIMD (#XM) exception a task took, as the
 * si_code of its SIGFPE (Linux's fpu__exception_code): the unmasked
 * exception flags in its own state, the most important first.
 */
int fpu_exception_code(struct task *t, bool x87)
{
	struct fxregs_state *fx = xstate_begin_update(t, XFEATURE_FP);
	if (!fx)
		return 0;
	unsigned err = x87 ? fx->swd & ~fx->cwd : ~(fx->mxcsr >> 7) & fx->mxcsr;
	xstate_end_read(t, XFEATURE_FP);
	if (err & 0x01)
		return K_FPE_FLTINV;
	if (err & 0x04)
		return K_FPE_FLTDIV;
	if (err & 0x08)
		return K_FPE_FLTOVF;
	if (err & 0x12)
		return K_FPE_FLTUND;
	if (err & 0x20)
		return K_FPE_FLTRES;
	return 0; /* none unmasked: a spurious exception, as Linux allows */
}
