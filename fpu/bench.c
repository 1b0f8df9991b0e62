/*
 * make bench: what each save and restore instruction costs on this CPU,
 * in TSC cycles, measured in one run (compare the numbers of one run with
 * each other; an emulator's TSC is not a real CPU's).  Booted with
 * `bench` on the command line; tools/ktest.py --raw shows the lines.
 *
 * Each strategy the CPU supports is measured with the whole state dirty
 * (every component written since the last restore) and clean (restored
 * from this very buffer and not touched since), which is where XSAVEOPT's
 * modified optimization and XSAVES/XSAVEC's init optimization pay.
 */
#include "kernel/kernel.h"
#include "cpu/cpu.h"
#include "mm/mm.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/printf.h"

#define ROUNDS 2000

/* Write every XMM register, so the SSE state counts as modified. */
static void dirty(void)
{
	asm volatile("pcmpeqd %%xmm0, %%xmm0\n"
		     "movdqa %%xmm0, %%xmm7\n"
		     "movdqa %%xmm0, %%xmm15\n" ::: "memory");
}

static uint64_t measure(void *buf, bool restore, bool clean)
{
	uint64_t best = ~0ul;
	for (int i = 0; i < ROUNDS; i++) {
		if (!clean)
			dirty();
		uint64_t t0 = rdtsc();
		if (restore)
			xrstor_from(buf, ~0ul);
		else
			xsave_to(buf, ~0ul);
		uint64_t dt = rdtsc() - t0;
		if (clean && !restore)
			xrstor_from(buf, ~0ul);	/* so the next save finds nothing modified */
		best = MIN(best, dt);
	}
	return best;
}

void fpu_bench(void)
{
	void *buf = kzalloc(16384);
	enum fpu_strategy saved = fpu_cfg.strategy;
	kprintf("bench: TSC cycles, best of %d; state: %u bytes of features 0x%lx (%s)\n",
		ROUNDS, fpu_cfg.size, fpu_cfg.xfeatures, cpu_vendor());
	kprintf("bench: (an emulator's TSC is its own: QEMU TCG's follows host time, Bochs's counts instructions)\n");
	kernel_fpu_begin();
	for (int s = FPU_FXSAVE; s <= FPU_XSAVES; s++) {
		if (!fpu_strategy_supported(s) || (s == FPU_XSAVES && saved != FPU_XSAVES))
			continue;	/* XSAVES needs IA32_XSS set up for it: only as the chosen one */
		fpu_cfg.strategy = s;
		memset(buf, 0, 16384);
		xsave_to(buf, ~0ul);	/* a valid image for the restores */
		uint64_t dirty_save = measure(buf, false, false);
		uint64_t clean_save = measure(buf, false, true);
		uint64_t restore = measure(buf, true, true);
		kprintf("bench: %-9s save %5lu (nothing modified since restore: %5lu)  restore %5lu\n",
			fpu_strategy_name(s), dirty_save, clean_save, restore);
	}
	fpu_cfg.strategy = saved;
	xrstor_from(fpu_init_state, ~0ul);
	kernel_fpu_end();
	kfree(buf);
}
