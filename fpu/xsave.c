/*
 * XSAVE and friends (SDM vol. 1 ch. 13).  RFBM, the requested-feature
 * bitmap, is EDX:EAX ANDed with XCR0 (and IA32_XSS for XSAVES/XRSTORS).
 *
 *   FXSAVE/FXRSTOR    512-byte legacy image: x87 and SSE only
 *   XSAVE/XRSTOR      standard format: each feature at its CPUID offset
 *   XSAVEOPT          the same format, but skips features unchanged since
 *                     the last XRSTOR from this buffer (modified optimization)
 *   XSAVEC/XRSTOR     compacted format: only enabled features, packed
 *   XSAVES/XRSTORS    compacted, plus supervisor features (IA32_XSS)
 *
 * The 64-bit forms (xsave64 & co.) save the full 64-bit FPU instruction
 * and data pointers.
 */
#include "kernel/kernel.h"
#include "cpu/extable.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "lib/string.h"

/*
 * XSAVEC and XSAVES use the init optimization (SDM vol. 1 13.10, 13.11):
 * with SSE in its initial configuration (XINUSE[1] = 0: XMM0-15 zero and
 * MXCSR 1F80H) they write neither the XMM registers nor, unless AVX is in
 * use, MXCSR and MXCSR_MASK, and clear XSTATE_BV[1]; bytes 24-31 and
 * 160-415 keep whatever the buffer held before, perhaps another task's.
 * Write what the CPU held instead, and mark SSE present, so that the
 * image says exactly what the registers were and every compacted XRSTOR
 * from it loads MXCSR: with XSTATE_BV[1] clear the SDM's compacted XRSTOR
 * sets MXCSR to 1F80H (13.8.2), but Bochs 3.0 leaves the previous task's.
 * The standard format needs none of this: XSAVE and XSAVEOPT always write
 * MXCSR when RFBM[1] or RFBM[2] is set, and XRSTOR always loads it.
 */
static void complete_compacted_sse(void *buf, uint64_t rfbm)
{
	uint64_t *bv = &xregs(buf)->header.xfeatures;
	struct fxregs_state *legacy = &xregs(buf)->i387;

	if (!(rfbm & (1ull << XFEATURE_SSE)) || (*bv & (1ull << XFEATURE_SSE)))
		return;
	if (!(*bv & (1ull << XFEATURE_YMM))) {
		legacy->mxcsr = MXCSR_INIT;
		legacy->mxcsr_mask = fpu_cfg.mxcsr_mask;
	}
	memset(legacy->xmm_space, 0, sizeof(legacy->xmm_space));
	*bv |= 1ull << XFEATURE_SSE;
}

void xsave_to(void *buf, uint64_t mask)
{
	uint32_t lo = (uint32_t)mask, hi = (uint32_t)(mask >> 32);
	switch (fpu_cfg.strategy) {
	case FPU_FXSAVE:
		asm volatile("fxsave64 (%0)" :: "r"(buf) : "memory");
		break;
	case FPU_XSAVE:
		asm volatile("xsave64 (%0)" :: "r"(buf), "a"(lo), "d"(hi) : "memory");
		break;
	case FPU_XSAVEOPT:
		asm volatile("xsaveopt64 (%0)" :: "r"(buf), "a"(lo), "d"(hi) : "memory");
		break;
	case FPU_XSAVEC:
		asm volatile("xsavec64 (%0)" :: "r"(buf), "a"(lo), "d"(hi) : "memory");
		complete_compacted_sse(buf, mask & fpu_cfg.xcr0);
		break;
	case FPU_XSAVES:
		asm volatile("xsaves64 (%0)" :: "r"(buf), "a"(lo), "d"(hi) : "memory");
		complete_compacted_sse(buf, mask & fpu_cfg.xcr0);
		break;
	}
}

/*
 * A restore can fault on a bad image (SDM: XRSTOR #GPs on reserved
 * XSTATE_BV/XCOMP_BV bits, a non-zero reserved header byte, or MXCSR
 * reserved bits).  Each form has an extable entry so the caller hears
 * about it instead of the kernel panicking.
 */
#define RESTORE(insn) \
	asm volatile("1: " insn " (%[buf])\n" \
		     "   xorl %[err], %[err]\n" \
		     "2:\n" EXTABLE(1b, 2b) \
		     : [err] "+r"(err) : [buf] "r"(buf), "a"(lo), "d"(hi) : "memory")

int xrstor_from(const void *buf, uint64_t mask)
{
	/* PKRU is switched eagerly with WRPKRU (fpu/pkru.c); no XRSTOR may
	 * overwrite the live value with a buffer's copy. */
	mask &= ~(1ull << XFEATURE_PKRU);
	uint32_t lo = (uint32_t)mask, hi = (uint32_t)(mask >> 32);
	int err = -1;
	switch (fpu_cfg.strategy) {
	case FPU_FXSAVE:
		RESTORE("fxrstor64");
		break;
	case FPU_XSAVE:
	case FPU_XSAVEOPT:
	case FPU_XSAVEC:	/* XRSTOR reads the compacted form when XCOMP_BV[63] is set */
		RESTORE("xrstor64");
		break;
	case FPU_XSAVES:
		RESTORE("xrstors64");
		break;
	}
	return err;
}
