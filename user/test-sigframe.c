/*
 * test-sigframe: the extended state in a signal frame (docs/signals.md).
 * The frame must hold the interrupted registers in Linux's user format,
 * the handler must start from the init state, and rt_sigreturn must load
 * what the (possibly edited) frame says, or, for an image XRSTOR would
 * refuse, send SIGSEGV with the state reset to init: never a stale
 * register, never another task's.
 *
 * Registers that must survive the signal are loaded and read in the same
 * asm statement as the SYSCALL that raises it (tgkill to ourselves): the
 * signal is delivered on that system call's way out, before any compiled
 * code could touch them.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"
#include "cpu.h"
#include "ktap.h"
#include "uapi/signal.h"

#define XMM(n)		(160 + 16 * (n))	/* in the FXSAVE area */
#define MXCSR_OFF	24
#define HDR		512
#define YMM_HI(n)	(576 + 16 * (n))	/* the AVX component's standard offset */

static struct user_cpu cpu;
static volatile int handled;
static void (*edit)(uint8_t *fp);	/* what the SIGUSR1 handler does to the frame */
static uint8_t seen_xmm3[16];
static uint32_t seen_mxcsr, handler_mxcsr;
static uint64_t seen_uc_flags, seen_rsp, seen_fpstate, seen_ctx;
static struct k_fpx_sw_bytes seen_sw;
static uint32_t seen_magic2;
static volatile int segv_count;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	uint32_t m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));	/* first: nothing has set it yet */
	handler_mxcsr = m;
	(void)sig, (void)si;
	struct k_ucontext *uc = ctx;
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpstate;
	__asm__ volatile("mov %%rsp, %0" : "=r"(seen_rsp));
	seen_uc_flags = uc->uc_flags;
	seen_ctx = (uint64_t)ctx;
	seen_fpstate = (uint64_t)fp;
	if (fp) {
		memcpy(seen_xmm3, fp + XMM(3), 16);
		memcpy(&seen_mxcsr, fp + MXCSR_OFF, 4);
		memcpy(&seen_sw, fp + K_FPX_SW_BYTES_OFFSET, sizeof(seen_sw));
		if (seen_sw.magic1 == K_FP_XSTATE_MAGIC1 && seen_sw.xstate_size < 65536)
			memcpy(&seen_magic2, fp + seen_sw.xstate_size, 4);
	}
	if (edit)
		edit(fp);
	handled++;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si, (void)ctx;
	segv_count++;
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* xmm3 := in, MXCSR := mxcsr, raise SIGUSR1, then out := xmm3, *mx := MXCSR. */
static void across_signal(const uint8_t in[16], uint32_t mxcsr, uint8_t out[16], uint32_t *mx)
{
	long nr = SYS_tgkill;
	uint32_t saved;
	__asm__ volatile("stmxcsr %[saved]\n\t"
			 "movdqu (%[in]), %%xmm3\n\t"
			 "ldmxcsr %[mxcsr]\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm3, (%[out])\n\t"
			 "stmxcsr (%[mx])\n\t"
			 "ldmxcsr %[saved]"
			 : "+a"(nr), [saved] "=m"(saved)
			 : [in] "r"(in), [out] "r"(out), [mx] "r"(mx), [mxcsr] "m"(mxcsr),
			   "D"((long)getpid()), "S"(syscall(SYS_gettid)), "d"((long)SIGUSR1)
			 : "rcx", "r11", "memory", "xmm3");
}

static const uint8_t pattern[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				     0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x0f };
static const uint8_t replaced[16] = { 0xa5, 0xa5, 0xa5, 0xa5, 0x5a, 0x5a, 0x5a, 0x5a,
				      1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t zero[16];

static void run(void (*e)(uint8_t *), uint8_t out[16], uint32_t *mx)
{
	edit = e;
	handled = segv_count = 0;
	across_signal(pattern, 0x7f80 /* round toward zero */, out, mx);
	edit = NULL;
}

static const char *frame_has_interrupted_state(void)
{
	uint8_t out[16];
	uint32_t mx;
	handle(SIGUSR1, on_usr1);
	run(NULL, out, &mx);
	KTAP_EXPECT(handled == 1, "handler ran %d times", handled);
	KTAP_EXPECT(memcmp(seen_xmm3, pattern, 16) == 0, "frame's xmm3 is not the interrupted value");
	KTAP_EXPECT(seen_mxcsr == 0x7f80, "frame's MXCSR %#x, want 0x7f80", seen_mxcsr);
	KTAP_EXPECT(memcmp(out, pattern, 16) == 0, "xmm3 changed across the signal");
	KTAP_EXPECT(mx == 0x7f80, "MXCSR %#x after the signal, want 0x7f80", mx);
	KTAP_EXPECT(seen_fpstate % 64 == 0 && seen_fpstate, "fpstate %#lx not 64-byte aligned",
		    (unsigned long)seen_fpstate);
	KTAP_EXPECT(seen_uc_flags & K_UC_SIGCONTEXT_SS, "uc_flags %#lx", (unsigned long)seen_uc_flags);
	return NULL;
}

static const char *handler_starts_from_init(void)
{
	uint8_t out[16];
	uint32_t mx;
	run(NULL, out, &mx);
	KTAP_EXPECT(handler_mxcsr == 0x1f80, "handler's MXCSR %#x, want the init 0x1f80", handler_mxcsr);
	return NULL;
}

static const char *xsave_format_words(void)
{
	uint8_t out[16];
	uint32_t mx;
	if (!cpu.osxsave)
		return "no XSAVE: the frame holds the FXSAVE image alone";
	run(NULL, out, &mx);
	KTAP_EXPECT(seen_uc_flags & K_UC_FP_XSTATE, "UC_FP_XSTATE missing");
	KTAP_EXPECT(seen_sw.magic1 == K_FP_XSTATE_MAGIC1, "magic1 %#x", seen_sw.magic1);
	KTAP_EXPECT(seen_sw.xfeatures == cpu.xcr0, "sw xfeatures %#lx, XCR0 %#lx",
		    (unsigned long)seen_sw.xfeatures, (unsigned long)cpu.xcr0);
	KTAP_EXPECT(seen_sw.extended_size == seen_sw.xstate_size + 4, "extended_size %u, xstate_size %u",
		    seen_sw.extended_size, seen_sw.xstate_size);
	unsigned a, b, c, d;
	__cpuid_count(0xd, 0, a, b, c, d);
	KTAP_EXPECT(seen_sw.xstate_size == b, "xstate_size %u, CPUID.0xD.0:EBX %u", seen_sw.xstate_size, b);
	KTAP_EXPECT(seen_magic2 == K_FP_XSTATE_MAGIC2, "magic2 %#x", seen_magic2);
	return NULL;
}

static void put_xmm3(uint8_t *fp) { memcpy(fp + XMM(3), replaced, 16); }

static const char *sigreturn_loads_the_frame(void)
{
	uint8_t out[16];
	uint32_t mx;
	run(put_xmm3, out, &mx);
	KTAP_EXPECT(memcmp(out, replaced, 16) == 0, "xmm3 is not the value the handler put in the frame");
	KTAP_EXPECT(mx == 0x7f80, "MXCSR %#x", mx);
	return NULL;
}

static void wreck_reserved(uint8_t *fp) { put_xmm3(fp); ((uint64_t *)(fp + HDR))[2] = 0xfffffff; }
static void wreck_xcomp(uint8_t *fp) { put_xmm3(fp); ((uint64_t *)(fp + HDR))[1] = 1ull << 63 | 3; }
static void wreck_bv(uint8_t *fp) { put_xmm3(fp); ((uint64_t *)(fp + HDR))[0] |= 1ull << 62; }
static void wreck_mxcsr(uint8_t *fp) { put_xmm3(fp); *(uint32_t *)(fp + MXCSR_OFF) = 0xffff0000; }

static const char *bad_image(void (*e)(uint8_t *), bool needs_xsave)
{
	uint8_t out[16];
	uint32_t mx;
	if (needs_xsave && !cpu.osxsave)
		return "no XSAVE header on this CPU";
	handle(SIGSEGV, on_segv);
	run(e, out, &mx);
	KTAP_EXPECT(segv_count == 1, "SIGSEGV %d times after sigreturn of a bad image", segv_count);
	KTAP_EXPECT(memcmp(out, zero, 16) == 0, "xmm3 after the bad image is not init (0)");
	KTAP_EXPECT(mx == 0x1f80, "MXCSR %#x after the bad image, want init 0x1f80", mx);
	signal(SIGSEGV, SIG_DFL);
	return NULL;
}

static const char *corrupt_header_reserved(void) { return bad_image(wreck_reserved, true); }
static const char *corrupt_header_xcomp_bv(void) { return bad_image(wreck_xcomp, true); }
static const char *corrupt_header_xstate_bv(void) { return bad_image(wreck_bv, true); }
static const char *corrupt_mxcsr(void) { return bad_image(wreck_mxcsr, false); }

static struct k_fpx_sw_bytes *sw(uint8_t *fp)
{
	return (struct k_fpx_sw_bytes *)(fp + K_FPX_SW_BYTES_OFFSET);
}

/* Without MAGIC1 (or MAGIC2) the frame is a legacy FXSAVE image: x87 and
 * SSE from it, AVX's upper halves init. */
static uint8_t ymm_hi_in[16] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
static void legacy_magic1(uint8_t *fp)
{
	put_xmm3(fp);
	memcpy(fp + YMM_HI(3), ymm_hi_in, 16);
	sw(fp)->magic1 = 0;
}

static void legacy_magic2(uint8_t *fp)
{
	put_xmm3(fp);
	memcpy(fp + YMM_HI(3), ymm_hi_in, 16);
	*(uint32_t *)(fp + sw(fp)->xstate_size) = 0;
}

static void with_ymm(uint8_t *fp) { memcpy(fp + YMM_HI(3), ymm_hi_in, 16);
				    ((uint64_t *)(fp + HDR))[0] |= 4; }

/* ymm3 := (pattern, pattern), raise, read ymm3 back. */
static void ymm_across_signal(uint8_t out[32])
{
	long nr = SYS_tgkill;
	uint8_t in[32];
	memcpy(in, pattern, 16);
	memcpy(in + 16, pattern, 16);
	__asm__ volatile("vmovdqu (%[in]), %%ymm3\n\t"
			 "syscall\n\t"
			 "vmovdqu %%ymm3, (%[out])\n\t"
			 "vzeroupper"
			 : "+a"(nr)
			 : [in] "r"(in), [out] "r"(out), "D"((long)getpid()), "S"(syscall(SYS_gettid)),
			   "d"((long)SIGUSR1)
			 : "rcx", "r11", "memory", "xmm3");
}

static const char *legacy(void (*e)(uint8_t *), const uint8_t *want_hi)
{
	uint8_t out[32];
	if (!cpu.avx)
		return "no AVX: nothing beyond the legacy area to lose";
	edit = e;
	handled = segv_count = 0;
	ymm_across_signal(out);
	edit = NULL;
	KTAP_EXPECT(handled == 1 && segv_count == 0, "handled %d, SIGSEGV %d", handled, segv_count);
	KTAP_EXPECT(memcmp(out, replaced, 16) == 0, "xmm3 (the legacy area) not taken from the frame");
	KTAP_EXPECT(memcmp(out + 16, want_hi, 16) == 0, "ymm3's upper half %02x.., want %02x..",
		    out[16], want_hi[0]);
	return NULL;
}

static const char *no_magic1_is_legacy_only(void) { return legacy(legacy_magic1, zero); }
static const char *no_magic2_is_legacy_only(void) { return legacy(legacy_magic2, zero); }
static void magic_ok(uint8_t *fp) { put_xmm3(fp); with_ymm(fp); }
static const char *xsave_image_restores_avx(void) { return legacy(magic_ok, ymm_hi_in); }

/* The frame's xfeatures is XRSTOR's RFBM: a component it leaves out is init
 * after sigreturn whatever XSTATE_BV and the bytes say (Linux's
 * __fpu_restore_sig loads init_fpstate for it). */
static void rfbm_without_avx(uint8_t *fp)
{
	magic_ok(fp);
	sw(fp)->xfeatures &= ~4ull;
}
static const char *xfeatures_bound_what_is_loaded(void) { return legacy(rfbm_without_avx, zero); }

static void rfbm_without_sse(uint8_t *fp)
{
	put_xmm3(fp);
	*(uint32_t *)(fp + MXCSR_OFF) = 0xffff0000; /* refused if loaded; not loaded */
	sw(fp)->xfeatures = 1;			    /* x87 only: no SSE, no AVX */
}

/* Without SSE and AVX in RFBM, XRSTOR neither loads nor checks MXCSR (SDM
 * vol. 1 13.8.1): the reserved bits in the frame's MXCSR are no fault, and
 * MXCSR and the XMM registers are init after sigreturn. */
static const char *mxcsr_outside_rfbm_is_init(void)
{
	uint8_t out[16];
	uint32_t mx;
	if (!cpu.osxsave)
		return "no XSAVE: no xfeatures in the frame";
	handle(SIGSEGV, on_segv);
	run(rfbm_without_sse, out, &mx);
	signal(SIGSEGV, SIG_DFL);
	KTAP_EXPECT(handled == 1 && segv_count == 0,
		    "handled %d, SIGSEGV %d: an MXCSR that XRSTOR would not load was checked",
		    handled, segv_count);
	KTAP_EXPECT(mx == 0x1f80, "MXCSR %#x after sigreturn, want init 0x1f80", mx);
	KTAP_EXPECT(
		memcmp(out, zero, 16) == 0,
		"xmm3 %02x.. after sigreturn, want init 0 (SSE is not in the frame's xfeatures)",
		out[0]);
	return NULL;
}

static void rfbm_without_x87(uint8_t *fp)
{
	*(uint16_t *)fp = 0x27f;	  /* FCW: 53-bit precision */
	((uint64_t *)(fp + HDR))[0] |= 1; /* in the image, not in RFBM */
	sw(fp)->xfeatures &= ~1ull;
}

/* The same for x87, whose init value is not zero: FCW 0x37f. */
static const char *x87_outside_rfbm_is_init(void)
{
	uint16_t fcw = 0, init = 0x37f;
	long nr = SYS_tgkill;
	if (!cpu.osxsave)
		return "no XSAVE: no xfeatures in the frame";
	handle(SIGUSR1, on_usr1);
	edit = rfbm_without_x87;
	handled = segv_count = 0;
	__asm__ volatile("fldcw %[init]\n\t"
			 "syscall\n\t"
			 "fnstcw %[fcw]\n\t"
			 "fldcw %[init]"
			 : "+a"(nr), [fcw] "=m"(fcw)
			 : [init] "m"(init), "D"((long)getpid()), "S"(syscall(SYS_gettid)),
			   "d"((long)SIGUSR1)
			 : "rcx", "r11", "memory");
	edit = NULL;
	KTAP_EXPECT(handled == 1, "handler ran %d times", handled);
	KTAP_EXPECT(
		fcw == 0x37f,
		"FCW %#x after sigreturn, want init 0x37f (x87 is not in the frame's xfeatures)",
		fcw);
	return NULL;
}

static struct k_ucontext *last_uc;
static void clear_fpstate(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	last_uc = ctx;
	last_uc->uc_mcontext.fpstate = 0;
	handled++;
}

static const char *null_fpstate_is_init(void)
{
	uint8_t out[16];
	uint32_t mx;
	handle(SIGUSR1, clear_fpstate);
	handled = 0;
	across_signal(pattern, 0x7f80, out, &mx);
	handle(SIGUSR1, on_usr1);
	KTAP_EXPECT(handled == 1, "handled %d", handled);
	KTAP_EXPECT(memcmp(out, zero, 16) == 0, "xmm3 not init after a frame with fpstate 0");
	KTAP_EXPECT(mx == 0x1f80, "MXCSR %#x, want 0x1f80", mx);
	return NULL;
}

/* The handler points fpstate at memory that is not there: rt_sigreturn
 * copies, it never runs XRSTOR on user memory, so this is SIGSEGV with the
 * state at init, not a kernel fault. */
static void *unmapped;
static void point_at_unmapped(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	((struct k_ucontext *)ctx)->uc_mcontext.fpstate = (uint64_t)unmapped;
	handled++;
}

static const char *fpstate_unmapped(void)
{
	uint8_t out[16];
	uint32_t mx;
	unmapped = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	handle(SIGUSR1, point_at_unmapped);
	handle(SIGSEGV, on_segv);
	handled = segv_count = 0;
	across_signal(pattern, 0x7f80, out, &mx);
	handle(SIGUSR1, on_usr1);
	signal(SIGSEGV, SIG_DFL);
	munmap(unmapped, 8192);
	KTAP_EXPECT(handled == 1 && segv_count == 1, "handled %d, SIGSEGV %d", handled, segv_count);
	KTAP_EXPECT(memcmp(out, zero, 16) == 0 && mx == 0x1f80, "state not init after the fault");
	return NULL;
}

/* sigreturn's CS, SS and RFLAGS: only what ring 3 could have (Linux's
 * FIX_EFLAGS; CS and SS user segments, else SIGSEGV, never IRETQ's #GP in
 * ring 0). */
static volatile uint64_t flags_after;
static uint16_t bad_cs, bad_ss;
static bool edit_ss;
static void edit_regs(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	struct k_sigcontext *sc = &((struct k_ucontext *)ctx)->uc_mcontext;
	sc->eflags |= 1ul << 14 | 3ul << 12 | 1ul << 21 | 1ul << 17; /* NT, IOPL 3, ID, VM */
	if (bad_cs)
		sc->cs = bad_cs;
	if (edit_ss)
		sc->ss = bad_ss;
	handled++;
}

static const char *sigreturn_checks_cs_ss_rflags(void)
{
	handle(SIGUSR1, edit_regs);
	handle(SIGSEGV, on_segv);
	handled = segv_count = 0;
	bad_cs = bad_ss = 0;
	raise(SIGUSR1);
	uint64_t f;
	__asm__ volatile("pushf\n\tpop %0" : "=r"(f));
	KTAP_EXPECT(handled == 1 && segv_count == 0, "handled %d, SIGSEGV %d", handled, segv_count);
	KTAP_EXPECT(!(f & (1ul << 14 | 3ul << 12 | 1ul << 17)),
		    "RFLAGS %#lx after sigreturn: NT, IOPL or VM set", (unsigned long)f);
	static const uint16_t cs[] = { 0x10, 0x18, 0x40, 0x2b, 0x07, 0xfff8 };
	for (unsigned i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		segv_count = 0;
		bad_cs = cs[i];
		raise(SIGUSR1);
		KTAP_EXPECT(segv_count == 1, "sigreturn with CS %#x: SIGSEGV %d times", cs[i],
			    segv_count);
	}
	bad_cs = 0;
	static const uint16_t ss[] = { 0, 0x18, 0x33, 0x23 };
	for (unsigned i = 0; i < sizeof(ss) / sizeof(ss[0]); i++) {
		segv_count = 0;
		edit_ss = true;
		bad_ss = ss[i];
		raise(SIGUSR1);
		KTAP_EXPECT(segv_count == 1, "sigreturn with SS %#x: SIGSEGV %d times", ss[i],
			    segv_count);
	}
	edit_ss = false;
	handle(SIGUSR1, on_usr1);
	signal(SIGSEGV, SIG_DFL);
	return NULL;
}

/* PKRU (Linux 6.12): the frame is written with every key open, even onto
 * an alternate stack under a write-disabled key; it holds the interrupted
 * PKRU; the handler runs with the init value; sigreturn loads the frame's. */
static volatile uint32_t pkru_in_handler, pkru_in_frame;
static void see_pkru(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	pkru_in_handler = rdpkru();
	unsigned a, b, c, d;
	__cpuid_count(0xd, 9, a, b, c, d);
	uint8_t *fp = (uint8_t *)((struct k_ucontext *)ctx)->uc_mcontext.fpstate;
	memcpy((void *)&pkru_in_frame, fp + b, 4);
	handled++;
}

static const char *pkru_in_the_frame(void)
{
	if (!cpu.ospke)
		return "no PKU on this CPU (or the kernel refused it)";
	int key = (int)syscall(330 /* pkey_alloc */, 0, 0);
	if (key < 0)
		return "pkey_alloc failed";
	static char alt[65536] __attribute__((aligned(4096)));
	syscall(329 /* pkey_mprotect */, alt, sizeof(alt), PROT_READ | PROT_WRITE, key);
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_sigaction = see_pkru, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	uint32_t old = rdpkru(), closed = old | 2u << (2 * key); /* WD for the stack's key */
	handled = 0;
	wrpkru(closed);
	raise(SIGUSR1);
	uint32_t after = rdpkru();
	wrpkru(old);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	handle(SIGUSR1, on_usr1);
	syscall(331 /* pkey_free */, key);
	KTAP_EXPECT(handled == 1, "the handler did not run on a write-disabled alternate stack");
	KTAP_EXPECT(pkru_in_frame == closed, "frame's PKRU %#x, want the interrupted %#x",
		    pkru_in_frame, closed);
	KTAP_EXPECT(pkru_in_handler == 0, "handler's PKRU %#x, want Kestrel's init 0",
		    pkru_in_handler);
	KTAP_EXPECT(after == closed, "PKRU %#x after sigreturn, want %#x", after, closed);
	return NULL;
}

/* Another thread's registers never appear in this thread's frame, nor in
 * its handler, however the signals and the switches interleave. */
static volatile int stop;
static volatile long leaks, frames;
static const uint8_t theirs[16] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
				    0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

static void *spinner(void *arg)
{
	(void)arg;
	__asm__ volatile("movdqu (%0), %%xmm3" :: "r"(theirs) : "xmm3");
	while (!stop)
		__asm__ volatile("pause" ::: "memory");
	return NULL;
}

static void count_frame(int sig, siginfo_t *si, void *ctx)
{
	uint8_t mine[16];
	__asm__ volatile("movdqu %%xmm3, %0" : "=m"(mine));
	(void)sig, (void)si;
	uint8_t *fp = (uint8_t *)((struct k_ucontext *)ctx)->uc_mcontext.fpstate;
	if (memcmp(fp + XMM(3), pattern, 16) != 0 || memcmp(mine, theirs, 16) == 0)
		leaks++;
	frames++;
}

static const char *no_leak_between_threads(void)
{
	pthread_t th[2];
	handle(SIGUSR1, count_frame);
	stop = 0;
	leaks = frames = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, spinner, NULL);
	uint8_t out[16];
	uint32_t mx;
	for (int i = 0; i < 300; i++) {
		across_signal(pattern, 0x1f80, out, &mx);
		if (memcmp(out, pattern, 16) != 0)
			leaks++;
		if (i % 16 == 0)
			sched_yield();
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	handle(SIGUSR1, on_usr1);
	KTAP_EXPECT(frames == 300, "%ld frames of 300", frames);
	KTAP_EXPECT(leaks == 0, "%ld of %ld frames or returns held another thread's xmm3", leaks, frames);
	return NULL;
}

static const char *minsigstksz_is_enough(void)
{
	unsigned long min = getauxval(AT_MINSIGSTKSZ), size = min < MINSIGSTKSZ ? MINSIGSTKSZ : min;
	KTAP_EXPECT(min >= sizeof(struct k_rt_sigframe) + 512, "AT_MINSIGSTKSZ %lu too small", min);
	unsigned a, b, c, d;
	if (cpu.osxsave) {
		__cpuid_count(0xd, 0, a, b, c, d);
		KTAP_EXPECT(min >= sizeof(struct k_rt_sigframe) + b + 4, "AT_MINSIGSTKSZ %lu < frame + %u", min, b);
	}
	static char stack[65536] __attribute__((aligned(64)));
	stack_t ss = { .ss_sp = stack + 65536 - size, .ss_size = size };
	KTAP_EXPECT(sigaltstack(&ss, NULL) == 0, "sigaltstack of %lu bytes refused", size);
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	handled = 0;
	raise(SIGUSR1);
	KTAP_EXPECT(handled == 1, "a frame did not fit in %lu bytes (AT_MINSIGSTKSZ %lu)", size, min);
	/* The frame (return address, ucontext, siginfo, state) is on it;
	 * the handler's own locals may go below, as on Linux. */
	KTAP_EXPECT(seen_ctx - 8 >= (uint64_t)ss.ss_sp && seen_fpstate < (uint64_t)ss.ss_sp + size,
		    "frame at %#lx, not on the alternate stack [%p, +%lu)", (unsigned long)seen_ctx,
		    ss.ss_sp, size);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	handle(SIGUSR1, on_usr1);
	return NULL;
}

/* ---- hostile programs, each in a child: the kernel must only kill them ---- */

static void sigreturn_unmapped_stack(void)
{
	__asm__ volatile("mov $0x10000, %%rsp\n\tmov $15, %%eax\n\tsyscall" ::: "memory");
}

static void sigreturn_garbage_frame(void)
{
	static uint8_t junk[4096] __attribute__((aligned(64)));
	memset(junk, 0xff, sizeof(junk));
	__asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" ::"r"(junk + 2048)
			 : "memory");
}

static void recurse(int sig)
{
	(void)sig;
	raise(SIGUSR1); /* SA_NODEFER: a frame on a frame, until the stack ends */
}

static void signal_stack_overflow(void)
{
	struct sigaction sa = { .sa_handler = recurse, .sa_flags = SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static void handler_in_the_kernel(void)
{
	struct sigaction sa = { .sa_handler = (void (*)(int))0xffffffff80100000ul };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	raise(SIGUSR1);
}

static void handler_noncanonical(void)
{
	struct sigaction sa = { .sa_handler = (void (*)(int))0x8000000000000000ul };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

static const struct {
	const char *name;
	void (*act)(void);
} hostile[] = {
	{ "sigreturn-unmapped-stack", sigreturn_unmapped_stack },
	{ "sigreturn-garbage-frame", sigreturn_garbage_frame },
	{ "signal-stack-overflow", signal_stack_overflow },
	{ "handler-in-the-kernel", handler_in_the_kernel },
	{ "handler-noncanonical", handler_noncanonical },
};
#define NHOSTILE (int)(sizeof(hostile) / sizeof(hostile[0]))

static const char *hostile_frames_only_kill(void)
{
	char why[80];
	long before = kestrel_free_pages();
	for (int i = 0; i < NHOSTILE; i++) {
		int st = child_run("test-sigframe", hostile[i].name);
		KTAP_EXPECT(child_killed_by(st, SIGSEGV), "%s: %s, want SIGSEGV", hostile[i].name,
			    child_describe(st, why, sizeof(why)));
	}
	KTAP_EXPECT(kestrel_free_pages() == before, "free pages %ld before, %ld after", before,
		    kestrel_free_pages());
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (int i = 0; i < NHOSTILE; i++)
			if (strcmp(argv[1], hostile[i].name) == 0)
				hostile[i].act();
		return 100;
	}
	cpu = user_cpu_detect();
	static const struct ktap_case cases[] = {
		{ "frame_has_interrupted_state", frame_has_interrupted_state },
		{ "handler_starts_from_init", handler_starts_from_init },
		{ "xsave_format_words", xsave_format_words },
		{ "sigreturn_loads_the_frame", sigreturn_loads_the_frame },
		{ "corrupt_header_reserved", corrupt_header_reserved },
		{ "corrupt_header_xcomp_bv", corrupt_header_xcomp_bv },
		{ "corrupt_header_xstate_bv", corrupt_header_xstate_bv },
		{ "corrupt_mxcsr", corrupt_mxcsr },
		{ "no_magic1_is_legacy_only", no_magic1_is_legacy_only },
		{ "no_magic2_is_legacy_only", no_magic2_is_legacy_only },
		{ "xsave_image_restores_avx", xsave_image_restores_avx },
		{ "xfeatures_bound_what_is_loaded", xfeatures_bound_what_is_loaded },
		{ "mxcsr_outside_rfbm_is_init", mxcsr_outside_rfbm_is_init },
		{ "x87_outside_rfbm_is_init", x87_outside_rfbm_is_init },
		{ "null_fpstate_is_init", null_fpstate_is_init },
		{ "fpstate_unmapped", fpstate_unmapped },
		{ "sigreturn_checks_cs_ss_rflags", sigreturn_checks_cs_ss_rflags },
		{ "pkru_in_the_frame", pkru_in_the_frame },
		{ "no_leak_between_threads", no_leak_between_threads },
		{ "minsigstksz_is_enough", minsigstksz_is_enough },
		{ "hostile_frames_only_kill", hostile_frames_only_kill },
	};
	return KTAP_RUN(cases);
}
