/*
 * test-xstate-debug: kestrel_xstate_get/set, a debugger's view of another
 * task's extended state, as Linux's PTRACE_GETREGSET NT_X86_XSTATE.
 *
 * The image is the standard XSAVE format (SDM vol. 1 13.4): the 512-byte
 * legacy area (MXCSR at 24, XMM0-15 at 160), Linux's copy of XCR0 at 464,
 * then the XSAVE header: XSTATE_BV at 512, XCOMP_BV at 520, and 48 bytes
 * that must be zero.  With the FXSAVE strategy it is the 512 bytes alone.
 *
 * The task looked at is a "victim": this program spawned again, which
 * loads a known pattern and keeps it in its registers for a few hundred
 * rounds of sched_yield and a 1 ms sleep, all inside one asm statement.
 * It never runs x87 code, on purpose: its x87 component can stay in the
 * init state (XSTATE_BV[0] = 0 on CPUs that track it) while its MXCSR is
 * not, although MXCSR sits in the x87 half of the legacy area.  MXCSR is
 * SSE state (SDM vol. 1 13.4.1: x87 is bytes 23:0 and 159:32, SSE bytes
 * 31:24 and 415:160), saved and loaded whenever RFBM[1] or RFBM[2] is set
 * (13.7, 13.8), so a kernel that treats bytes 0..159 as one unit loses it.
 * Processes share no memory, so the victim reports by exit status:
 *   0  its registers were its pattern all along
 *   3  XMM0[63:0] became VALUE (below), everything else stayed
 *   4  PKRU became VICTIM_PKRU_SET, everything else stayed
 *   1  anything else (described on stdout)
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "child.h"
#include "ktap.h"
#include "raw_syscall.h"
#include "xregs.h"

#define PROG "test-xstate-debug"
#define VALUE 0x1234567890abcdefull	/* what the parent writes into XMM0 */
#define ROUNDS 200

/* Offsets in the standard-format image. */
#define OFF_MXCSR	24
#define OFF_SW_XCR0	464	/* software-reserved bytes 464..511: Linux puts XCR0 here */
#define OFF_XMM(n)	(160 + 16 * (n))
#define OFF_XSTATE_BV	512
#define OFF_XCOMP_BV	520
#define OFF_RESERVED	528	/* ..575 */

/* The victim's pattern.  Its PKRU closes only keys 14/15 (bits 31:28). */
#define VICTIM_MXCSR	0x7f80		/* exceptions masked, round toward zero */
#define VICTIM_PKRU	0xc0000000u	/* key 15: AD and WD */
#define VICTIM_PKRU_SET	0x30000000u	/* key 14: what the parent writes */
static uint64_t victim_xmm(int n, int half)
{
	return 0xd0d0000000000000ull | (uint64_t)half << 32 | (uint64_t)n << 8 | 0x5a;
}

static bool pku_enabled(void)
{
	unsigned a, b, c = 0, d;

	if (__get_cpuid_max(0, NULL) >= 7)
		__cpuid_count(7, 0, a, b, c, d);
	return c >> 4 & 1;	/* OSPKE: CR4.PKE is set, RDPKRU/WRPKRU work */
}

/* ---- the victim ---- */

static const uint32_t mxcsr_default = 0x1f80;

/* Load *pat, then n rounds of sched_yield, nanosleep(1 ms), snapshot into snaps[round]. */
static void hold_pattern(const struct xregs_sse *pat, struct xregs_sse *snaps, unsigned long n, bool pku)
{
	static const struct timespec ms = { 0, 1000000 };

	__asm__ volatile(
		XR_SSE_LOAD("%[pat]")
		"test %[pku], %[pku]\n\tjz 1f\n\t"
		XR_LOAD_PKRU(XR_SSE_PKRU, "%[pat]")
		"1:\n\t"
		"mov %[snaps], %%r9\n\tmov %[n], %%r8\n"
		"2:\n\t"
		"mov %[yield], %%eax\n\tsyscall\n\t"
		"mov %[sleep], %%eax\n\tmov %[ms], %%rdi\n\txor %%esi, %%esi\n\tsyscall\n\t"
		XR_SSE_STORE("%%r9")
		"test %[pku], %[pku]\n\tjz 3f\n\t"
		XR_STORE_PKRU(XR_SSE_PKRU, "%%r9")
		"3:\n\t"
		"add %[size], %%r9\n\t"
		"dec %%r8\n\tjnz 2b\n\t"
		"ldmxcsr %[dflt]\n\t"
		:
		: [pat] "r"(pat), [snaps] "r"(snaps), [n] "r"(n), [pku] "r"((long)pku), [ms] "r"(&ms),
		  [yield] "i"(SYS_sched_yield), [sleep] "i"(SYS_nanosleep), [size] "i"(sizeof(*pat)),
		  [dflt] "m"(mxcsr_default)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r11", "memory", "cc",
		  XR_XMM_CLOBBERS);
}

static void victim_pattern(struct xregs_sse *s)
{
	for (int n = 0; n < 16; n++)
		for (int h = 0; h < 2; h++)
			s->xmm[n][h] = victim_xmm(n, h);
	s->mxcsr = VICTIM_MXCSR;
	s->pkru = VICTIM_PKRU;
}

/* The first difference between want and got, or NULL. */
static const char *diff(const struct xregs_sse *want, const struct xregs_sse *got, bool pku, char *buf, size_t len)
{
	for (int n = 0; n < 16; n++)
		for (int h = 0; h < 2; h++)
			if (want->xmm[n][h] != got->xmm[n][h]) {
				snprintf(buf, len, "xmm%d[%d:%d] = %016llx, want %016llx", n, h * 64 + 63, h * 64,
					 (unsigned long long)got->xmm[n][h], (unsigned long long)want->xmm[n][h]);
				return buf;
			}
	if (want->mxcsr != got->mxcsr) {
		snprintf(buf, len, "MXCSR = %#x, want %#x", got->mxcsr, want->mxcsr);
		return buf;
	}
	if (pku && want->pkru != got->pkru) {
		snprintf(buf, len, "PKRU = %#x, want %#x", got->pkru, want->pkru);
		return buf;
	}
	return NULL;
}

static int victim_main(void)
{
	static struct xregs_sse snaps[ROUNDS];
	struct xregs_sse states[3];		/* 0: the pattern, 3 and 4: the two edits */
	bool pku = pku_enabled();
	int state = 0;
	char why[160];

	victim_pattern(&states[0]);
	states[1] = states[2] = states[0];
	states[1].xmm[0][0] = VALUE;
	states[2].pkru = VICTIM_PKRU_SET;
	hold_pattern(&states[0], snaps, ROUNDS, pku);

	/* Each round must show the pattern, or one edit from then on. */
	for (int r = 0; r < ROUNDS; r++) {
		if (!diff(&states[state], &snaps[r], pku, why, sizeof(why)))
			continue;
		if (state == 0 && !diff(&states[1], &snaps[r], pku, why, sizeof(why)))
			state = 1;
		else if (state == 0 && pku && !diff(&states[2], &snaps[r], pku, why, sizeof(why)))
			state = 2;
		else {
			diff(&states[state], &snaps[r], pku, why, sizeof(why));
			ktap_note("victim, round %d of %d: %s", r + 1, ROUNDS, why);
			return 1;
		}
	}
	return (int[]){ 0, 3, 4 }[state];
}

/* ---- the debugger's side ---- */

static struct kestrel_fpuinfo info;
static bool fxsave_only;

/* A zeroed, 64-byte aligned image buffer with room to spare. */
static uint8_t *new_image(void)
{
	uint8_t *p = aligned_alloc(64, info.std_size + 128);
	if (p)
		memset(p, 0, info.std_size + 128);
	return p;
}

static uint64_t *u64(uint8_t *img, size_t off) { return (uint64_t *)(img + off); }
static uint32_t *u32(uint8_t *img, size_t off) { return (uint32_t *)(img + off); }

/* Where PKRU sits in the standard format: CPUID.(EAX=0DH,ECX=9):EBX. */
static size_t pkru_offset(void)
{
	unsigned a, b, c, d;
	__cpuid_count(0xd, 9, a, b, c, d);
	return b;
}

static bool usable(const char **skip)
{
	*skip = NULL;
	if (!on_kestrel())
		*skip = "not running on Kestrel";
	return !*skip;
}

/* Start a victim and wait until its pattern is in its saved state. */
static long start_victim(uint8_t *img)
{
	long pid = child_start(PROG, "victim"), r = 0;
	if (!KTAP_EXPECT(pid > 0, "spawning the victim: %ld", pid))
		return -1;
	for (int tries = 0; tries < 5000; tries++) {
		r = kestrel_xstate_get(pid, img, info.std_size);
		if (r != (long)info.std_size)
			break;		/* the victim is gone */
		bool ready = *u32(img, OFF_MXCSR) == VICTIM_MXCSR;
		for (int n = 0; ready && n < 16; n++)
			ready = *u64(img, OFF_XMM(n)) == victim_xmm(n, 0) &&
				*u64(img, OFF_XMM(n) + 8) == victim_xmm(n, 1);
		if (ready)
			return pid;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	KTAP_EXPECT(false, "the victim's pattern never showed in kestrel_xstate_get (get = %ld); "
		    "the last image: MXCSR %#x (want %#x), XMM1 %016llx (want %016llx)", r,
		    *u32(img, OFF_MXCSR), VICTIM_MXCSR, (unsigned long long)*u64(img, OFF_XMM(1)),
		    (unsigned long long)victim_xmm(1, 0));
	waitpid(pid, NULL, 0);
	return -1;
}

static void expect_victim_exit(long pid, int code, const char *what)
{
	static const char *const meaning[] = { [0] = "registers intact", [1] = "registers wrong",
					       [3] = "saw the XMM0 edit", [4] = "saw the PKRU edit" };
	char how[80];
	int status;

	if (waitpid(pid, &status, 0) != pid)
		status = -errno;
	KTAP_EXPECT(child_exited_with(status, code), "%s: the victim %s, want exit %d (%s)", what,
		    child_describe(status, how, sizeof(how)), code, meaning[code]);
}

static const char *get_returns_standard_image(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	uint8_t *img = new_image();
	long pid = start_victim(img);
	if (pid < 0) {
		free(img);
		return NULL;
	}
	long r = kestrel_xstate_get(pid, img, info.std_size + 128);	/* more room is fine */
	KTAP_EXPECT(r == (long)info.std_size, "kestrel_xstate_get = %ld, want std_size %u", r, info.std_size);
	if (fxsave_only) {
		KTAP_EXPECT(info.std_size == 512, "strategy fxsave: std_size %u, want 512", info.std_size);
	} else {
		unsigned a, b, c, d;
		__cpuid_count(0xd, 0, a, b, c, d);	/* EBX: standard size of what XCR0 enables */
		KTAP_EXPECT(info.std_size == b, "std_size %u, CPUID.(EAX=0DH,ECX=0):EBX %u", info.std_size, b);
		KTAP_EXPECT(*u64(img, OFF_SW_XCR0) == info.xcr0, "bytes 464..471 = %#llx, want XCR0 %#llx",
			    (unsigned long long)*u64(img, OFF_SW_XCR0), info.xcr0);
		KTAP_EXPECT(!(*u64(img, OFF_XSTATE_BV) & ~info.xcr0), "XSTATE_BV %#llx outside XCR0 %#llx",
			    (unsigned long long)*u64(img, OFF_XSTATE_BV), info.xcr0);
		KTAP_EXPECT(*u64(img, OFF_XCOMP_BV) == 0, "XCOMP_BV %#llx: not the standard format",
			    (unsigned long long)*u64(img, OFF_XCOMP_BV));
		if (info.xcr0 >> 9 & 1)
			KTAP_EXPECT(*u32(img, pkru_offset()) == VICTIM_PKRU, "the victim's PKRU reads %#x, want %#x",
				    *u32(img, pkru_offset()), VICTIM_PKRU);
	}
	expect_victim_exit(pid, 0, "after reads only");
	free(img);
	return NULL;
}

static const char *bad_tid_esrch(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	uint8_t *img = new_image();
	long pid = child_start(PROG, "exit");	/* a task that was, and is no more */
	if (pid > 0)
		waitpid(pid, NULL, 0);
	const long tids[] = { -1, 0, 99999, pid };
	for (size_t i = 0; i < sizeof(tids) / sizeof(tids[0]); i++) {
		long r = kestrel_xstate_get(tids[i], img, info.std_size);
		KTAP_EXPECT(r == -ESRCH, "get(tid %ld) = %ld, want -ESRCH", tids[i], r);
		r = kestrel_xstate_set(tids[i], img, info.std_size);
		KTAP_EXPECT(r == -ESRCH, "set(tid %ld) = %ld, want -ESRCH", tids[i], r);
	}
	free(img);
	return NULL;
}

static const char *short_buffer_erange(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	uint8_t *img = new_image();
	const unsigned long lens[] = { info.std_size - 1, 512, 0 };
	long self = raw_syscall0(SYS_gettid);

	memset(img, 0xa5, info.std_size);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (lens[i] >= info.std_size)
			continue;	/* 512 is the whole image with FXSAVE */
		long r = kestrel_xstate_get(self, img, lens[i]);
		KTAP_EXPECT(r == -ERANGE, "get(own tid, len %lu) = %ld, want -ERANGE", lens[i], r);
	}
	for (unsigned i = 0; i < info.std_size; i++)
		if (!KTAP_EXPECT(img[i] == 0xa5, "a refused get wrote byte %u", i))
			break;
	free(img);
	return NULL;
}

/* Get the victim's image, change it with edit, set it back; the victim must exit `code`. */
static void edit_victim(void (*edit)(uint8_t *img), int code, const char *what)
{
	uint8_t *img = new_image();
	long pid = start_victim(img);
	if (pid < 0) {
		free(img);
		return;
	}
	if (edit)
		edit(img);
	long r = kestrel_xstate_set(pid, img, info.std_size);
	KTAP_EXPECT(r == 0, "%s: kestrel_xstate_set = %ld", what, r);
	expect_victim_exit(pid, code, what);
	free(img);
}

static const char *round_trip_changes_nothing(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	edit_victim(NULL, 0, "the image set back as it was got");
	return NULL;
}

static void set_xmm0(uint8_t *img) { *u64(img, OFF_XMM(0)) = VALUE; }

static const char *set_xmm0_reaches_victim(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	edit_victim(set_xmm0, 3, "XMM0[63:0] set to 0x1234567890abcdef");
	return NULL;
}

static void set_pkru(uint8_t *img) { *u32(img, pkru_offset()) = VICTIM_PKRU_SET; }

static const char *set_pkru_reaches_victim(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	if (!(info.xcr0 >> 9 & 1) || !pku_enabled())
		return "PKRU not enabled";
	edit_victim(set_pkru, 4, "PKRU set to 0x30000000");
	return NULL;
}

/* One defect per image, on top of the XMM0 edit: if any part of a bad
 * image got through, the victim sees VALUE and exits 3, not 0. */
static const char *bad_images_refused(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	uint8_t *good = new_image(), *img = new_image();
	long pid = start_victim(good);
	if (pid < 0) {
		free(good);
		free(img);
		return NULL;
	}
	set_xmm0(good);

	unsigned a, b, c, d;
	__cpuid_count(0xd, 0, a, b, c, d);
	uint64_t cpu_has = (uint64_t)d << 32 | a, spare = cpu_has & ~info.xcr0 & ~(1ull << 63);
	struct { const char *what; size_t off; uint64_t or_mask; bool header; } bad[] = {
		{ "MXCSR reserved bits 31:16", OFF_MXCSR, 0xffff0000, false },
		{ "XSTATE_BV bit 62", OFF_XSTATE_BV, 1ull << 62, true },
		{ "XSTATE_BV bit 8 (PT: supervisor)", OFF_XSTATE_BV, 1ull << 8, true },
		{ "XSTATE_BV: a feature the CPU has, not enabled", OFF_XSTATE_BV, spare & -spare, true },
		{ "XCOMP_BV bit 63 (compacted)", OFF_XCOMP_BV, 1ull << 63, true },
		{ "XCOMP_BV = XCR0", OFF_XCOMP_BV, info.xcr0, true },
		{ "reserved header byte 528", OFF_RESERVED, 1, true },
		{ "reserved header byte 552", 552, 1, true },
		{ "reserved header byte 575", 568, 1ull << 56, true },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if ((bad[i].header && fxsave_only) || !bad[i].or_mask)
			continue;	/* FXSAVE's image has no header */
		memcpy(img, good, info.std_size);
		*u64(img, bad[i].off) |= bad[i].or_mask;
		long r = kestrel_xstate_set(pid, img, info.std_size);
		KTAP_EXPECT(r == -EINVAL, "%s: kestrel_xstate_set = %ld, want -EINVAL", bad[i].what, r);
	}
	const unsigned long lens[] = { info.std_size - 1, info.std_size + 1, info.std_size + 64, 512, 0 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (lens[i] == info.std_size)
			continue;
		long r = kestrel_xstate_set(pid, good, lens[i]);
		KTAP_EXPECT(r == -EINVAL, "length %lu (std_size %u): kestrel_xstate_set = %ld, want -EINVAL",
			    lens[i], info.std_size, r);
	}
	if (fxsave_only)
		ktap_print("# strategy fxsave: a 512-byte image, no XSAVE header to get wrong");
	expect_victim_exit(pid, 0, "after only bad images");
	free(good);
	free(img);
	return NULL;
}

/*
 * A task may set its own state: its registers are live, so the kernel
 * must load the new image before returning to it (fpu/update.c), not
 * just write its buffer.  Load the pattern, set an image with XMM5
 * edited, and look, all in one asm statement.
 */
static const char *set_own_state_applies_at_once(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	uint8_t *img = new_image();
	long self = raw_syscall0(SYS_gettid), r = kestrel_xstate_get(self, img, info.std_size);
	if (!KTAP_EXPECT(r == (long)info.std_size, "get(own tid) = %ld", r))
		return NULL;
	struct xregs_sse pat, want, got;
	char why[160];
	victim_pattern(&pat);
	want = pat;
	want.xmm[5][0] = VALUE;
	for (int n = 0; n < 16; n++)
		memcpy(img + OFF_XMM(n), want.xmm[n], 16);
	*u32(img, OFF_MXCSR) = want.mxcsr;

	__asm__ volatile(
		XR_SSE_LOAD("%[pat]")
		"syscall\n\t"
		XR_SSE_STORE("%[out]")
		"ldmxcsr %[dflt]\n\t"
		: "=a"(r)
		: "a"(KSYS_xstate_set), "D"(self), "S"(img), "d"((long)info.std_size),
		  [pat] "r"(&pat), [out] "r"(&got), [dflt] "m"(mxcsr_default)
		: "rcx", "r11", "memory",
		  XR_XMM_CLOBBERS);
	KTAP_EXPECT(r == 0, "kestrel_xstate_set(own tid) = %ld", r);
	KTAP_EXPECT(!diff(&want, &got, false, why, sizeof(why)), "right after the call: %s", why);
	free(img);
	return NULL;
}

/* The other way round: a task reading its own state gets its live registers. */
static const char *get_own_state_is_live(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	uint8_t *img = new_image();
	struct xregs_sse pat;
	static const uint16_t fcw = 0x0e7f;	/* round toward zero, 53-bit precision */
	long r, self = raw_syscall0(SYS_gettid);
	char why[160];

	victim_pattern(&pat);
	/* x87 in use too (a value pushed, FCW changed), so its component is
	 * saved, not assumed init; and it must not carry a stale MXCSR in. */
	__asm__ volatile(
		XR_SSE_LOAD("%[pat]")
		"fninit\n\tfldcw %[fcw]\n\tfld1\n\t"
		"syscall\n\t"
		"fstp %%st(0)\n\tfninit\n\t"
		"ldmxcsr %[dflt]\n\t"
		: "=a"(r)
		: "a"(KSYS_xstate_get), "D"(self), "S"(img), "d"((long)info.std_size),
		  [pat] "r"(&pat), [fcw] "m"(fcw), [dflt] "m"(mxcsr_default)
		: "rcx", "r11", "memory", "st",
		  XR_XMM_CLOBBERS);
	if (!KTAP_EXPECT(r == (long)info.std_size, "kestrel_xstate_get(own tid) = %ld", r))
		return NULL;
	struct xregs_sse got = { .mxcsr = *u32(img, OFF_MXCSR) };
	for (int n = 0; n < 16; n++)
		memcpy(got.xmm[n], img + OFF_XMM(n), 16);
	KTAP_EXPECT(!diff(&pat, &got, false, why, sizeof(why)), "in the image: %s", why);
	KTAP_EXPECT(*(uint16_t *)img == fcw, "in the image: FCW = %#x, want %#x", *(uint16_t *)img, fcw);
	/* ST0 at byte 32: 1.0 is significand 1 << 63, exponent 0x3fff. */
	KTAP_EXPECT(*u64(img, 32) == 1ull << 63 && *(uint16_t *)(img + 40) == 0x3fff,
		    "in the image: ST0 = %04x:%016llx, want 3fff:8000000000000000 (1.0)",
		    *(uint16_t *)(img + 40), (unsigned long long)*u64(img, 32));
	free(img);
	return NULL;
}

static const char *bad_pointers_efault(void)
{
	const char *skip;
	if (!usable(&skip))
		return skip;
	long self = raw_syscall0(SYS_gettid);
	size_t len = info.std_size, map = (len + 4095) / 4096 * 4096 + 4096;
	uint8_t *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!KTAP_EXPECT(p != MAP_FAILED, "mmap failed"))
		return NULL;
	uint8_t *good = p;
	long r = kestrel_xstate_get(self, good, len);
	KTAP_EXPECT(r == (long)len, "get(own tid) = %ld", r);
	/* The image's last page unmapped: it runs off the end of the mapping. */
	uint8_t *straddle = p + map - 4096 - len / 2;
	memcpy(straddle, good, len / 2);
	munmap(p + map - 4096, 4096);
	uint8_t *ro = mmap(NULL, 4096 * 2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *kernel = (void *)0xffffffff80100000ul;

	void *get_bad[] = { NULL, kernel, ro, straddle };
	const char *names[] = { "NULL", "a kernel address", "a read-only page", "a buffer running off its mapping" };
	for (int i = 0; i < 4; i++) {
		r = kestrel_xstate_get(self, get_bad[i], len);
		KTAP_EXPECT(r == -EFAULT, "get into %s: %ld, want -EFAULT", names[i], r);
		if (i == 2)
			continue;	/* a read-only page is fine to set from */
		r = kestrel_xstate_set(self, get_bad[i], len);
		KTAP_EXPECT(r == -EFAULT, "set from %s: %ld, want -EFAULT", names[i], r);
	}
	r = kestrel_fpuinfo(NULL);
	KTAP_EXPECT(r == -EFAULT, "kestrel_fpuinfo(NULL) = %ld, want -EFAULT", r);
	munmap(p, map - 4096);
	munmap(ro, 4096 * 2);
	return NULL;
}

/* The test kernel's fpu_selftest call takes a feature number from the
 * user: one that is not an XSAVE feature index (0..63) or not enabled is
 * -EINVAL, never a shift by the user's number. */
static const char *selftest_refuses_bad_features(void)
{
	long bad[] = { 64, 200, -1, 63, 0x100000000l + 1 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = raw_syscall2(KSYS_fpu_selftest, bad[i], 0);
		KTAP_EXPECT(r == -EINVAL, "kestrel_fpu_selftest(%ld) = %ld, want -EINVAL", bad[i], r);
	}
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "get_returns_standard_image", get_returns_standard_image },
	{ "bad_tid_esrch", bad_tid_esrch },
	{ "short_buffer_erange", short_buffer_erange },
	{ "round_trip_changes_nothing", round_trip_changes_nothing },
	{ "set_xmm0_reaches_victim", set_xmm0_reaches_victim },
	{ "set_pkru_reaches_victim", set_pkru_reaches_victim },
	{ "bad_images_refused", bad_images_refused },
	{ "get_own_state_is_live", get_own_state_is_live },
	{ "set_own_state_applies_at_once", set_own_state_applies_at_once },
	{ "bad_pointers_efault", bad_pointers_efault },
	{ "selftest_refuses_bad_features", selftest_refuses_bad_features },
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "victim") == 0)
		return victim_main();
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return 0;
	if (kestrel_fpuinfo(&info) == 0)
		fxsave_only = strcmp(info.strategy, "fxsave") == 0;
	return KTAP_RUN(cases);
}
