/*
 * Boot-time set-up of extended state: turn the FPU and SSE on, read CPUID
 * leaf 0xD, choose the features Kestrel enables (XCR0 for user state,
 * IA32_XSS for supervisor state) and the save instruction, compute the
 * buffer layout with fpu/layout.c, and build the init image new tasks
 * start from.  The boot log prints the layout in Linux's words.
 */
#include "kernel/kernel.h"
#include "kernel/cmdline.h"
#include "cpu/cpu.h"
#include "mm/mm.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "kernel/panic.h"

#define MSR_IA32_XSS 0xda0

struct fpu_config fpu_cfg;
const void *fpu_init_state;

#define BIT(n) (1ul << (n))
/* What Kestrel knows how to hold.  MPX (3, 4) is obsolete; PT (8) and the
 * rest are supervisor features Kestrel has no use for. */
#define KESTREL_USER (BIT(XFEATURE_FP) | BIT(XFEATURE_SSE) | BIT(XFEATURE_YMM) | \
		      BIT(XFEATURE_OPMASK) | BIT(XFEATURE_ZMM_HI256) | BIT(XFEATURE_HI16_ZMM) | \
		      BIT(XFEATURE_PKRU))
#define AVX512_ALL (BIT(XFEATURE_OPMASK) | BIT(XFEATURE_ZMM_HI256) | BIT(XFEATURE_HI16_ZMM))
#define AMX_ALL (BIT(XFEATURE_XTILE_CFG) | BIT(XFEATURE_XTILE_DATA))
/* CET state is saved and restored with CET itself left off (CR4.CET = 0):
 * the registers exist, but nothing enforces them. */
#define KESTREL_SUPERVISOR (BIT(XFEATURE_PASID) | BIT(XFEATURE_CET_USER) | BIT(XFEATURE_CET_KERNEL))

static const char *const strategy_names[] = {
	[FPU_FXSAVE] = "fxsave", [FPU_XSAVE] = "xsave", [FPU_XSAVEOPT] = "xsaveopt",
	[FPU_XSAVEC] = "xsavec", [FPU_XSAVES] = "xsaves",
};
static const enum cpu_feature strategy_needs[] = {
	[FPU_FXSAVE] = X86_FEATURE_FXSR, [FPU_XSAVE] = X86_FEATURE_XSAVE,
	[FPU_XSAVEOPT] = X86_FEATURE_XSAVEOPT, [FPU_XSAVEC] = X86_FEATURE_XSAVEC,
	[FPU_XSAVES] = X86_FEATURE_XSAVES,
};

const char *fpu_strategy_name(enum fpu_strategy s)
{
	return strategy_names[s];
}

/* Does this CPU have strategy s's instructions? */
bool fpu_strategy_supported(enum fpu_strategy s)
{
	return cpu_has(strategy_needs[s]) && (s == FPU_FXSAVE || cpu_has(X86_FEATURE_XSAVE));
}

/* The best strategy the CPU has, unless xsave= on the command line names another. */
static enum fpu_strategy choose_strategy(void)
{
	enum fpu_strategy best = FPU_FXSAVE;
	for (int s = FPU_XSAVES; s > FPU_FXSAVE; s--) {
		if (fpu_strategy_supported(s)) {
			best = s;
			break;
		}
	}
	const char *want = cmdline_get("xsave");
	if (!want)
		return best;
	for (int s = 0; s < (int)ARRAY_SIZE(strategy_names); s++) {
		if (strcmp(want, strategy_names[s]) != 0)
			continue;
		if (fpu_strategy_supported(s))
			return s;
		kprintf("x86/fpu: xsave=%s refused: this CPU has no %s; using %s\n",
			want, strategy_names[s], strategy_names[best]);
		return best;
	}
	kprintf("x86/fpu: xsave=%s is not one of xsaves, xsavec, xsaveopt, xsave, fxsave; using %s\n",
		want, strategy_names[best]);
	return best;
}

static void read_leaf_0xd(struct xstate_cpuid *c)
{
	for (int i = 0; i < 64; i++) {
		struct cpuid_regs r = cpuid(0xd, i);
		c->sub[i] = (struct xstate_subleaf){ r.eax, r.ebx, r.ecx, r.edx };
	}
}

static void choose_features(const struct xstate_cpuid *c, uint64_t refused)
{
	uint64_t user = xstate_user_features(c) & KESTREL_USER;
	if (cmdline_has("amx"))
		user |= xstate_user_features(c) & AMX_ALL;
	user &= ~refused;
	/* XSETBV #GPs unless AVX-512's three features come together, with AVX (SDM 13.3). */
	if ((user & AVX512_ALL) != AVX512_ALL || !(user & BIT(XFEATURE_YMM)))
		user &= ~AVX512_ALL;
	if ((user & AMX_ALL) != AMX_ALL)
		user &= ~AMX_ALL;
	if (fpu_cfg.strategy == FPU_FXSAVE)
		user &= BIT(XFEATURE_FP) | BIT(XFEATURE_SSE);	/* nothing else would be saved */
	fpu_cfg.xcr0 = user;
	fpu_cfg.xss = fpu_cfg.strategy == FPU_XSAVES ?
		      xstate_supervisor_features(c) & KESTREL_SUPERVISOR : 0;
	fpu_cfg.xfeatures = fpu_cfg.xcr0 | fpu_cfg.xss;
}

static void print_layout(void)
{
	for (int i = 0; i < 64; i++)
		if (fpu_cfg.xfeatures & BIT(i))
			kprintf("x86/fpu: Supporting XSAVE feature 0x%03lx: '%s'\n", BIT(i),
				xfeature_name(i));
	for (int i = 2; i < 64; i++)
		if (fpu_cfg.xfeatures & BIT(i))
			kprintf("x86/fpu: xstate_offset[%d]: %4u, xstate_sizes[%d]: %4u\n",
				i, fpu_cfg.offset[i], i, fpu_cfg.sizes[i]);
	kprintf("x86/fpu: Enabled xstate features 0x%lx, context size is %u bytes, using '%s' format.\n",
		fpu_cfg.xfeatures, fpu_cfg.size, fpu_cfg.compacted ? "compacted" : "standard");
}

/*
 * The init image.  XSTATE_BV says every feature beyond x87 and SSE is in
 * its init state, which is what XRSTOR then loads; but the bytes hold the
 * init values too (FCW 0x37f, MXCSR 0x1f80, zeros elsewhere), so code
 * that copies a feature out of this image gets the right value.
 */
/*
 * Which MXCSR bits this CPU implements, found as SDM vol. 1 11.6.6 says and
 * as Linux's mxcsr_feature_mask_init() does: FXSAVE into a zeroed area and
 * read MXCSR_MASK, 0 meaning the default 0xffbf.  FXSAVE always writes it;
 * XSAVEC and XSAVES do not when SSE is in its init state, so a probe with
 * them reads 0 and would wrongly refuse DAZ (bit 6) where the CPU has it.
 */
static uint32_t probe_mxcsr_mask(void)
{
	static struct fxregs_state fx;
	memset(&fx, 0, sizeof(fx));
	asm volatile("fxsave64 %0" : "=m"(fx));
	return fx.mxcsr_mask ? fx.mxcsr_mask : MXCSR_DEFAULT_MASK;
}

static void build_init_state(void)
{
	uint8_t *img = kzalloc(fpu_cfg.size);
	if (!img)
		panic("x86/fpu: no memory for the init image");
	xregs(img)->i387.cwd = 0x37f;		/* FCW: all exceptions masked, 64-bit precision */
	xregs(img)->i387.mxcsr = MXCSR_INIT;
	if (fpu_cfg.compacted)
		xregs(img)->header.xcomp_bv = XCOMP_BV_COMPACTED | fpu_cfg.xfeatures;
	/*
	 * x87 and SSE are marked present, holding their init values, so that
	 * XRSTOR loads MXCSR from the image.  The standard form loads MXCSR
	 * whenever RFBM[1] or RFBM[2] is set; but an implementation of the
	 * compacted form may load it only with XSTATE_BV[1] set (Bochs 3.0
	 * does), and would otherwise hand a new task the previous task's
	 * MXCSR: a leak a test caught.
	 */
	if (fpu_cfg.strategy != FPU_FXSAVE)
		xregs(img)->header.xfeatures = (1ull << XFEATURE_FP) | (1ull << XFEATURE_SSE);
	/* Prove the image is acceptable to XRSTOR now, not in some task later. */
	if (xrstor_from(img, ~0ull))
		panic("x86/fpu: the init image faults on restore");
	xregs(img)->i387.mxcsr_mask = fpu_cfg.mxcsr_mask;
	fpu_init_state = img;
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void configure_fxsave(void)
{
	memset(fpu_cfg.offset, 0, sizeof(fpu_cfg.offset));
	memset(fpu_cfg.sizes, 0, sizeof(fpu_cfg.sizes));
	memset(fpu_cfg.std_offset, 0, sizeof(fpu_cfg.std_offset));
	fpu_cfg.strategy = FPU_FXSAVE;
	fpu_cfg.compacted = false;
	fpu_cfg.xss = 0;
	fpu_cfg.xcr0 = fpu_cfg.xfeatures = BIT(XFEATURE_FP) | BIT(XFEATURE_SSE);
	fpu_cfg.size = fpu_cfg.std_size = FXSAVE_SIZE;
	/* Linux's split of the legacy area: x87 (with MXCSR) below 160, XMM above. */
	fpu_cfg.offset[XFEATURE_SSE] = fpu_cfg.std_offset[XFEATURE_SSE] =
		offsetof(struct fxregs_state, xmm_space);
	fpu_cfg.sizes[XFEATURE_FP] = offsetof(struct fxregs_state, xmm_space);
	fpu_cfg.sizes[XFEATURE_SSE] = 256;
}

/*
 * A leaf 0xD the layout code cannot make sense of: run with FXSAVE, as
 * Linux's fpu__init_system_xstate does ("disabled", then legacy FXSAVE),
 * rather than not boot.  XCR0 back to x87|SSE, no supervisor state, no
 * protection keys (CR4.PKE needs PKRU in XCR0 to mean anything).
 */
static void fall_back_to_fxsave(const char *why, int xfeature)
{
	kprintf("x86/fpu: CPUID leaf 0xD makes no sense: %s (feature %d): using FXSAVE\n", why,
		xfeature);
	asm volatile("xsetbv" ::"c"(0), "a"(3u), "d"(0u));
	if (cpu_has(X86_FEATURE_XSAVES))
		wrmsr(MSR_IA32_XSS, 0);
	write_cr4(read_cr4() & ~CR4_PKE);
	configure_fxsave();
	fpu_cfg.layout_refused = true;
}

/* XCR0 and IA32_XSS from the features chosen, the layout from CPUID. */
static void configure_xsave(const struct xstate_cpuid *c, uint64_t refused)
{
	choose_features(c, refused);
	asm volatile("xsetbv" :: "c"(0), "a"((uint32_t)fpu_cfg.xcr0),
		     "d"((uint32_t)(fpu_cfg.xcr0 >> 32)));
	if (cpu_has(X86_FEATURE_XSAVES))
		wrmsr(MSR_IA32_XSS, fpu_cfg.xss);
	if (fpu_cfg.xcr0 & BIT(XFEATURE_PKRU))
		write_cr4(read_cr4() | CR4_PKE);

	struct xstate_layout l, std;
	fpu_cfg.compacted = fpu_cfg.strategy >= FPU_XSAVEC;
	int err = xstate_layout_calculate(c, fpu_cfg.xfeatures,
					  fpu_cfg.compacted ? XSTATE_FORMAT_COMPACTED : XSTATE_FORMAT_STANDARD, &l);
	if (!err)
		err = xstate_layout_calculate(c, fpu_cfg.xcr0, XSTATE_FORMAT_STANDARD, &std);
	if (err) {
		fall_back_to_fxsave(xstate_strerror(err), l.bad_xfeature);
		return;
	}
	memcpy(fpu_cfg.offset, l.offset, sizeof(l.offset));
	memcpy(fpu_cfg.sizes, l.size, sizeof(l.size));
	memcpy(fpu_cfg.std_offset, std.offset, sizeof(std.offset));
	fpu_cfg.size = l.total_size;
	fpu_cfg.std_size = std.total_size;
	if (xgetbv0() != fpu_cfg.xcr0)
		panic("x86/fpu: XCR0 reads %lx after XSETBV of %lx", xgetbv0(), fpu_cfg.xcr0);
}

void fpu_init(void)
{
	/* CR0: no emulation (EM=0), WAIT honours TS (MP=1), native x87 errors (NE=1),
	 * and TS=0 for good: Kestrel never uses lazy #NM switching (LazyFP). */
	write_cr0((read_cr0() & ~((1ul << 2) | (1ul << 3))) | (1ul << 1) | (1ul << 5));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);

	fpu_cfg.strategy = choose_strategy();
	fpu_cfg.mxcsr_mask = probe_mxcsr_mask();	/* xsave_to() needs it */
	struct xstate_cpuid c = { 0 };
	if (fpu_cfg.strategy == FPU_FXSAVE) {
		configure_fxsave();
	} else {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		read_leaf_0xd(&c);
		uint64_t refused = 0;
		const char *why;
		if ((xstate_user_features(&c) & BIT(XFEATURE_PKRU)) && (why = pku_selftest())) {
			kprintf("x86/fpu: protection keys (PKU) refused: %s\n", why);
			refused |= BIT(XFEATURE_PKRU);
		}
		configure_xsave(&c, refused);
		if ((fpu_cfg.xcr0 & AMX_ALL) && (why = amx_selftest())) {
			/* What AMX would have cost: the layout lab asks. */
			kprintf("x86/fpu: amx refused: %s (with it: %u bytes %s, %u standard)\n",
				why, fpu_cfg.size, fpu_cfg.compacted ? "compacted" : "standard",
				fpu_cfg.std_size);
			configure_xsave(&c, refused | AMX_ALL);
		}
	}
	fpu_cfg.hw_size = fpu_cfg.size;
	fpu_cfg.pasid_emulated = !(fpu_cfg.xss & BIT(XFEATURE_PASID));
	print_layout();
	if (fpu_cfg.pasid_emulated) {
		/* The software PASID component goes after the hardware part,
		 * where no XSAVE instruction writes (fpu/pasid_msr.c). */
		fpu_cfg.pasid_sw_offset = ALIGN_UP(fpu_cfg.size, 16);
		fpu_cfg.offset[XFEATURE_PASID] = fpu_cfg.pasid_sw_offset + 8;
		fpu_cfg.sizes[XFEATURE_PASID] = 8;
		fpu_cfg.size = fpu_cfg.pasid_sw_offset + 16;
		fpu_cfg.xfeatures_sw = BIT(XFEATURE_PASID);
		kprintf("x86/fpu: PASID state emulated in software, %u bytes at offset %u\n",
			16, fpu_cfg.pasid_sw_offset);
	}
	kprintf("x86/fpu: using %s; each task's buffer is %u bytes%s\n",
		strategy_names[fpu_cfg.strategy], fpu_cfg.size,
		cmdline_has("amx") && (fpu_cfg.xcr0 & AMX_ALL) ? " (AMX tile data enabled: +8 KiB each)" : "");
	if (fpu_cfg.xss)
		kprintf("x86/fpu: IA32_XSS = 0x%lx (supervisor state saved by XSAVES)\n", fpu_cfg.xss);
	build_init_state();
	xstate_update_init();
	fpu_buffers_init();
}
