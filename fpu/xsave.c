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
#include "traps/traps.h"
#include "fpu.h"
#include "xsave.h"

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
		break;
	case FPU_XSAVES:
		asm volatile("xsaves64 (%0)" :: "r"(buf), "a"(lo), "d"(hi) : "memory");
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
