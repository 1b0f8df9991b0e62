/*
 * Extended state, checked against the CPU itself: the offsets fpu/layout.c
 * computed must be where XSAVE* really writes each component, and the
 * init image must load the architectural init values.
 */
#include "kernel/kernel.h"
#include "kernel/cmdline.h"
#include "cpu/cpu.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "mm/heap.h"
#include "lib/string.h"

#define MSR_IA32_PL2_SSP 0x6a6
#define MSR_IA32_PL3_SSP 0x6a7

static const uint64_t pattern[4] = {
	0x0123456789abcdef, 0xfedcba9876543210, 0x1111222233334444, 0x5555666677778888,
};

/* Load recognisable values into XMM0 (and YMM0's upper half, k1, PKRU,
 * the AMX tile configuration and the CET shadow-stack pointers where
 * enabled), save with the kernel's own instruction, and look for them
 * where the layout says. */
#define SKIP_IF_REFUSED(t)                                                                       \
	do {                                                                                     \
		if (fpu_cfg.layout_refused)                                                      \
			KSKIP(t,                                                                 \
			      "leaf 0xD refused by fpu/layout.c: running on FXSAVE (boot log)"); \
	} while (0)

static void xstate_offsets_match_the_cpu(struct ktest *t)
{
	SKIP_IF_REFUSED(t);
	uint8_t *buf = kzalloc(fpu_cfg.size);
	KASSERT(t, buf != NULL);
	kernel_fpu_begin();
	asm volatile("movdqu %0, %%xmm0" :: "m"(pattern[0]));
	if (fpu_cfg.xcr0 >> XFEATURE_YMM & 1)
		asm volatile("vinserti128 $1, %0, %%ymm0, %%ymm0" :: "m"(pattern[2]));
	if (fpu_cfg.xcr0 >> XFEATURE_OPMASK & 1)
		asm volatile("kmovq %0, %%k1" :: "m"(pattern[1]));
	if (fpu_cfg.xcr0 >> XFEATURE_PKRU & 1)
		asm volatile("wrpkru" :: "a"(0x0c), "c"(0), "d"(0));
	/* AMX: a tile configuration whose first byte is the palette (1). */
	static uint8_t tilecfg[64] __attribute__((aligned(64))) = { 1 };
	if (fpu_cfg.xcr0 >> XFEATURE_XTILE_CFG & 1)
		asm volatile("ldtilecfg %0" :: "m"(tilecfg));
	/* CET, supervisor state in IA32_XSS: the user SSP and PL2's SSP, by
	 * WRMSR (CET itself stays off, so nothing uses them). */
	if (fpu_cfg.xss >> XFEATURE_CET_USER & 1)
		wrmsr(MSR_IA32_PL3_SSP, pattern[0] & ~7ul & 0x00007ffffffffff8ul);
	if (fpu_cfg.xss >> XFEATURE_CET_KERNEL & 1)
		wrmsr(MSR_IA32_PL2_SSP, pattern[3] & 0x00007ffffffffff8ul);
	if (fpu_cfg.compacted)
		xregs(buf)->header.xcomp_bv = 0;	/* XSAVEC/XSAVES write the header themselves */
	xsave_to(buf, ~0ull);
	if (fpu_cfg.xcr0 >> XFEATURE_XTILE_CFG & 1)
		asm volatile("tilerelease");
	if (fpu_cfg.xss >> XFEATURE_CET_USER & 1)
		wrmsr(MSR_IA32_PL3_SSP, 0);
	if (fpu_cfg.xss >> XFEATURE_CET_KERNEL & 1)
		wrmsr(MSR_IA32_PL2_SSP, 0);
	kernel_fpu_end();

	KEXPECT_EQ(t, memcmp(buf + fpu_cfg.offset[XFEATURE_SSE], pattern, 16), 0);
	if (fpu_cfg.xcr0 >> XFEATURE_YMM & 1)
		KEXPECT_EQ(t, memcmp(buf + fpu_cfg.offset[XFEATURE_YMM], &pattern[2], 16), 0);
	if (fpu_cfg.xcr0 >> XFEATURE_OPMASK & 1)	/* k0..k7, 8 bytes each */
		KEXPECT_EQ(t, *(uint64_t *)(buf + fpu_cfg.offset[XFEATURE_OPMASK] + 8), pattern[1]);
	if (fpu_cfg.xcr0 >> XFEATURE_PKRU & 1)
		KEXPECT_EQ(t, *(uint32_t *)(buf + fpu_cfg.offset[XFEATURE_PKRU]), 0x0c);
	if (fpu_cfg.xcr0 >> XFEATURE_XTILE_CFG & 1)
		KEXPECT_EQ(t, buf[fpu_cfg.offset[XFEATURE_XTILE_CFG]], 1);
	if (fpu_cfg.xss >> XFEATURE_CET_USER & 1)	/* IA32_U_CET, then IA32_PL3_SSP */
		KEXPECT_EQ(t, *(uint64_t *)(buf + fpu_cfg.offset[XFEATURE_CET_USER] + 8),
			   pattern[0] & 0x00007ffffffffff8ul);
	if (fpu_cfg.xss >> XFEATURE_CET_KERNEL & 1)	/* PL0, PL1, PL2 SSP */
		KEXPECT_EQ(t, *(uint64_t *)(buf + fpu_cfg.offset[XFEATURE_CET_KERNEL] + 16),
			   pattern[3] & 0x00007ffffffffff8ul);
	if (fpu_cfg.compacted)
		KEXPECT_EQ(t, xregs(buf)->header.xcomp_bv, XCOMP_BV_COMPACTED | fpu_cfg.xfeatures);
	kfree(buf);
}

/* XRSTOR of the init image gives the architectural init values (SDM vol. 1 13.6). */
static void xstate_init_image_loads_init_values(struct ktest *t)
{
	uint32_t mxcsr = 0;
	uint16_t fcw = 0;
	uint64_t xmm[2] = { 1, 1 };
	kernel_fpu_begin();
	asm volatile("movdqu %0, %%xmm3" :: "m"(pattern[0]));
	KASSERT(t, xrstor_from(fpu_init_state, ~0ull) == 0);
	asm volatile("stmxcsr %0; fnstcw %1; movdqu %%xmm3, %2" : "=m"(mxcsr), "=m"(fcw), "=m"(xmm));
	kernel_fpu_end();
	KEXPECT_EQ(t, mxcsr, 0x1f80);
	KEXPECT_EQ(t, fcw, 0x37f);
	KEXPECT_EQ(t, xmm[0] | xmm[1], 0);
	KEXPECT_EQ(t, xregs_const(fpu_init_state)->i387.mxcsr, 0x1f80);
	if (fpu_cfg.strategy != FPU_FXSAVE)	/* only the legacy area is "present" */
		KEXPECT_EQ(t, xregs((void *)fpu_init_state)->header.xfeatures, (1ul << XFEATURE_FP) | (1ul << XFEATURE_SSE));
}

/* Each task's buffer is exactly the size of the format, and 64-byte aligned. */
static void xstate_buffers_are_exact(struct ktest *t)
{
	SKIP_IF_REFUSED(t);
	struct task *k = task_alloc("probe", NULL);
	KASSERT(t, k != NULL);	/* a kernel thread: no buffer at all */
	KEXPECT(t, k->fpu.state == NULL);
	task_free(k);
	void *b = kmalloc(fpu_cfg.size);
	KEXPECT_EQ(t, (uint64_t)b % 64, 0);
	kfree(b);
	/* The hardware part is what CPUID says for exactly the enabled features. */
	if (fpu_cfg.strategy == FPU_FXSAVE)
		KEXPECT_EQ(t, fpu_cfg.hw_size, FXSAVE_SIZE);
	else if (!fpu_cfg.compacted)	/* standard: CPUID.(0DH,0).EBX is the size for XCR0 */
		KEXPECT_EQ(t, fpu_cfg.hw_size, cpuid(0xd, 0).ebx);
	else	/* compacted: CPUID.(0DH,1).EBX is the size for XCR0 | IA32_XSS */
		KEXPECT_EQ(t, fpu_cfg.hw_size, cpuid(0xd, 1).ebx);
	KEXPECT_EQ(t, fpu_cfg.size, fpu_cfg.pasid_emulated ? ALIGN_UP(fpu_cfg.hw_size, 16) + 16 : fpu_cfg.hw_size);
}

/* The strategy follows CPUID: the best instruction the CPU has, unless forced. */
static void xstate_strategy_follows_cpuid(struct ktest *t)
{
	if (cmdline_has("xsave"))
		KSKIP(t, "xsave= forces the strategy");
	enum fpu_strategy want = cpu_has(X86_FEATURE_XSAVES) ? FPU_XSAVES :
				 cpu_has(X86_FEATURE_XSAVEC) ? FPU_XSAVEC :
				 cpu_has(X86_FEATURE_XSAVEOPT) ? FPU_XSAVEOPT :
				 cpu_has(X86_FEATURE_XSAVE) ? FPU_XSAVE : FPU_FXSAVE;
	KEXPECT_EQ(t, fpu_cfg.strategy, want);
	KEXPECT_EQ(t, fpu_cfg.compacted, want >= FPU_XSAVEC);
}

KTEST_SUITE(xstate,
	KTEST_CASE(xstate_offsets_match_the_cpu),
	KTEST_CASE(xstate_init_image_loads_init_values),
	KTEST_CASE(xstate_buffers_are_exact),
	KTEST_CASE(xstate_strategy_follows_cpuid));
