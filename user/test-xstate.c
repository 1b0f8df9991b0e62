/*
 * test-xstate: does every task get back exactly its own registers?
 *
 *   test-xstate [SEED [SECONDS]]      the KTAP test (SEED: the pid, SECONDS: 3)
 *   test-xstate worker SEED SECONDS   one stress worker, as the test spawns it
 *   test-xstate init-check|x87-user|x87-spy   helpers for single cases
 *
 * A worker fills every register class the kernel enabled with values that
 * carry its seed's tag, then, inside ONE asm statement, calls sched_yield
 * and spins long enough for the timer to preempt it, and stores the
 * registers back.  No compiled C runs between load and store, so any
 * difference is the kernel's: another tag is a value leaked from another
 * task, an old round number a stale buffer restored.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include "cpu.h"
#include "child.h"
#include "ktap.h"
#include "xregs.h"

#define PROG "test-xstate"

/* ---- what the CPU has and the kernel enabled ---- */

static struct user_cpu cpu;

static void detect(void)
{
	cpu = user_cpu_detect();
}

static const char *describe_cpu(char *buf, size_t len)
{
	snprintf(buf, len, "XCR0 %#llx: x87 SSE%s%s%s%s", (unsigned long long)cpu.xcr0,
		 cpu.avx ? " AVX" : "", cpu.avx512 ? " AVX-512" : "",
		 cpu.avx512 && !cpu.avx512bw ? "(no BW: 16-bit opmask)" : "", cpu.pku ? " PKRU" : "");
	return buf;
}

/* ---- the register image a worker loads and stores: struct xregs (xregs.h) ---- */

enum { FL_AVX = 1, FL_AVX512 = 2, FL_BW = 4, FL_PKU = 8 };

/* A pattern word: whose (tag), what, and which round, all readable in hex. */
static uint64_t pattern(uint32_t tag, unsigned cls, unsigned reg, unsigned q, unsigned round)
{
	return (uint64_t)tag << 32 | (cls & 0xff) << 24 | (reg & 0xff) << 16 | (q & 0xff) << 8 | (round & 0xff);
}
enum { CLS_VEC = 0xa0, CLS_K = 0xb0, CLS_ST = 0xc0 };

/* tag = (seed ^ K) * M mod 2^32; M is odd, so it can be undone. */
#define TAG_K 0x5a5a5a5au
#define TAG_M 0x9e3779b1u
static uint32_t tag_of(uint64_t seed) { return ((uint32_t)seed ^ TAG_K) * TAG_M; }

static uint32_t seed_of(uint32_t tag)
{
	uint32_t inv = TAG_M;
	for (int i = 0; i < 5; i++)	/* Newton: each step doubles the correct bits */
		inv *= 2 - TAG_M * inv;
	return (tag * inv) ^ TAG_K;
}

static void make_regs(struct xregs *r, uint64_t seed, unsigned round)
{
	uint32_t tag = tag_of(seed);

	memset(r, 0, sizeof(*r));
	for (unsigned n = 0; n < 32; n++)
		for (unsigned q = 0; q < 8; q++)
			r->v[n][q] = pattern(tag, CLS_VEC, n, q, round);
	for (unsigned n = 0; n < 8; n++)
		r->k[n] = pattern(tag, CLS_K, n, 0, round);
	for (unsigned n = 0; n < 8; n++) {
		/* Normal numbers only (integer bit 63 set): FLD/FSTP of m80 copy
		 * them exactly, whatever the rounding and precision control. */
		r->st[n].mant = 1ull << 63 | (uint64_t)tag << 24 | CLS_ST << 16 | n << 8 | (round & 0xff);
		r->st[n].sexp = (n & 1) << 15 | (0x3fff + n);
	}
	/* All exceptions masked; a seed-chosen rounding mode (RC, bits 14:13) and FZ (15). */
	r->mxcsr = 0x1f80 | (tag >> 3 & 3) << 13 | (tag >> 5 & 1) << 15;
	/* RC (11:10) and PC (9:8, never the reserved 01) from the seed too. */
	r->fcw = 0x037f & ~0x0f00;
	r->fcw |= (tag >> 6 & 3) << 10 | (unsigned[]){ 0, 2, 3 }[(tag >> 8) % 3] << 8;
	/* Rights only on keys 14 and 15 (bits 31:28): key 0, every page's, stays open. */
	r->pkru = (tag >> 10) % 15 + 1;
	r->pkru <<= 28;
}

static const uint32_t mxcsr_default = 0x1f80;


/*
 * Load *in into every enabled register, then `yields` times: sched_yield,
 * then spin on RDTSC for `spin` TSC ticks, registers alone (the timer's
 * chance to preempt us at any instruction); then store everything into *out.
 */
static void load_yield_store(const struct xregs *in, struct xregs *out, unsigned flags,
			     unsigned long yields, unsigned long spin)
{
	__asm__ volatile(
		/* load */
		"test %[avx512], %[fl]\n\tjz 10f\n\t"
		XR_X16(XR_LDZ, "%[in]") XR_HI16(XR_LDZ, "%[in]")
		"test %[bw], %[fl]\n\tjz 11f\n\t" XR_X8(XR_LDKQ, "%[in]") "jmp 13f\n"
		"11:\n\t" XR_X8(XR_LDKW, "%[in]") "jmp 13f\n"
		"10:\n\ttest %[avx], %[fl]\n\tjz 12f\n\t" XR_X16(XR_LDY, "%[in]") "jmp 13f\n"
		"12:\n\t" XR_X16(XR_LDX, "%[in]")
		"13:\n\t"
		"ldmxcsr " XR_MXCSR "(%[in])\n\t"
		"fninit\n\t"
		"fldcw " XR_FCW "(%[in])\n\t"
		XR_X8(XR_FLD, "%[in]")
		"test %[pku], %[fl]\n\tjz 14f\n\t"
		XR_LOAD_PKRU(XR_PKRU, "%[in]")
		"14:\n\t"
		/* the loop: registers only, plus the kernel */
		"mov %[yields], %%r8\n"
		"15:\n\t"
		"mov %[nr], %%eax\n\tsyscall\n\t"
		"rdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\t"
		"lea (%%rax, %[spin]), %%r9\n"
		"16:\n\trdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\t"
		"cmp %%r9, %%rax\n\tjb 16b\n\t"
		"dec %%r8\n\tjnz 15b\n\t"
		/* store, the load's mirror image */
		"test %[pku], %[fl]\n\tjz 20f\n\t"
		XR_STORE_PKRU(XR_PKRU, "%[out]")
		"20:\n\t"
		XR_X8(XR_FSTP, "%[out]")
		"fnstcw " XR_FCW "(%[out])\n\t"
		"fninit\n\t"		/* the C default FCW; the stack is empty again */
		"stmxcsr " XR_MXCSR "(%[out])\n\t"
		"ldmxcsr %[dflt]\n\t"
		"test %[avx512], %[fl]\n\tjz 21f\n\t"
		XR_X16(XR_STZ, "%[out]") XR_HI16(XR_STZ, "%[out]")
		"test %[bw], %[fl]\n\tjz 22f\n\t" XR_X8(XR_STKQ, "%[out]") "jmp 24f\n"
		"22:\n\t" XR_X8(XR_STKW, "%[out]") "jmp 24f\n"
		"21:\n\ttest %[avx], %[fl]\n\tjz 23f\n\t" XR_X16(XR_STY, "%[out]") "jmp 24f\n"
		"23:\n\t" XR_X16(XR_STX, "%[out]")
		"24:\n\t"
		/* Leave no dirty upper halves to slow down the SSE code that follows. */
		"test %[avx], %[fl]\n\tjz 25f\n\tvzeroupper\n"
		"25:\n"
		:
		: [in] "r"(in), [out] "r"(out), [fl] "r"(flags), [yields] "r"(yields),
		  [spin] "r"(spin), [nr] "i"(SYS_sched_yield), [dflt] "m"(mxcsr_default),
		  [avx] "i"(FL_AVX), [avx512] "i"(FL_AVX512), [bw] "i"(FL_BW), [pku] "i"(FL_PKU)
		/* Code compiled without -mavx512f keeps nothing in zmm16-31,
		 * opmasks or upper halves, so only these need naming. */
		: "rax", "rcx", "rdx", "r8", "r9", "r11", "memory", "cc",
		  XR_XMM_CLOBBERS,
		  "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
}

/* What a wrong value is, as far as its pattern tells. */
static const char *whose(uint64_t v, uint32_t tag, char *buf, size_t len)
{
	uint32_t t = v >> 32;

	if (v == 0)
		snprintf(buf, len, "zero: an init value");
	else if (t == tag)
		snprintf(buf, len, "our own value for class %#x register %u from round %u",
			 (unsigned)(v >> 24 & 0xff), (unsigned)(v >> 16 & 0xff), (unsigned)(v & 0xff));
	else
		snprintf(buf, len, "FOREIGN: tag %08x is seed %u's (another task), class %#x register %u",
			 t, seed_of(t), (unsigned)(v >> 24 & 0xff), (unsigned)(v >> 16 & 0xff));
	return buf;
}

/* The first register that differs, described in msg; false if none. */
static bool first_difference(const struct xregs *want, const struct xregs *got, unsigned flags,
			     uint32_t tag, char *msg, size_t len)
{
	char w[120];
	unsigned nregs = flags & FL_AVX512 ? 32 : 16;
	unsigned nq = flags & FL_AVX512 ? 8 : flags & FL_AVX ? 4 : 2;

	for (unsigned n = 0; n < nregs; n++)
		for (unsigned q = 0; q < nq; q++)
			if (want->v[n][q] != got->v[n][q]) {
				const char *name = q < 2 ? "xmm" : q < 4 ? "ymm" : "zmm";
				snprintf(msg, len, "%s%u bits %u:%u are %016llx, want %016llx (%s)", name, n,
					 q * 64 + 63, q * 64, (unsigned long long)got->v[n][q],
					 (unsigned long long)want->v[n][q], whose(got->v[n][q], tag, w, sizeof(w)));
				return true;
			}
	uint64_t kmask = flags & FL_BW ? ~0ull : 0xffff;
	for (unsigned n = 0; (flags & FL_AVX512) && n < 8; n++)
		if ((want->k[n] ^ got->k[n]) & kmask) {
			snprintf(msg, len, "k%u is %016llx, want %016llx (%s)", n,
				 (unsigned long long)(got->k[n] & kmask), (unsigned long long)(want->k[n] & kmask),
				 whose(got->k[n], tag, w, sizeof(w)));
			return true;
		}
	for (unsigned n = 0; n < 8; n++)
		if (want->st[n].mant != got->st[n].mant || want->st[n].sexp != got->st[n].sexp) {
			/* The tag sits in bits 55:24 of an x87 pattern's significand. */
			snprintf(msg, len, "x87 push #%u of 8 is %04x:%016llx, want %04x:%016llx (tag %08x%s)",
				 n + 1, got->st[n].sexp, (unsigned long long)got->st[n].mant, want->st[n].sexp,
				 (unsigned long long)want->st[n].mant, (uint32_t)(got->st[n].mant >> 24),
				 (uint32_t)(got->st[n].mant >> 24) == tag ? ", ours" : ", not ours");
			return true;
		}
	if (want->fcw != got->fcw) {
		snprintf(msg, len, "FCW is %#x, want %#x", got->fcw, want->fcw);
		return true;
	}
	if (want->mxcsr != got->mxcsr) {
		snprintf(msg, len, "MXCSR is %#x, want %#x", got->mxcsr, want->mxcsr);
		return true;
	}
	if ((flags & FL_PKU) && want->pkru != got->pkru) {
		snprintf(msg, len, "PKRU is %#x, want %#x", got->pkru, want->pkru);
		return true;
	}
	return false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* TSC ticks per millisecond, measured against the clock over a sleep. */
static unsigned long tsc_per_ms(void)
{
	struct timespec a, b, nap = { 0, 20 * 1000000 };
	unsigned lo0, hi0, lo1, hi1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	__asm__ volatile("rdtsc" : "=a"(lo0), "=d"(hi0));
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	__asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
	long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	uint64_t ticks = ((uint64_t)hi1 << 32 | lo1) - ((uint64_t)hi0 << 32 | lo0);
	return ns > 0 && ticks ? ticks * 1000000 / ns : 1000000;
}

struct stress_result {
	unsigned long rounds, yields;
	char msg[300];			/* empty if every round came back right */
};

static void stress(uint64_t seed, unsigned seconds, struct stress_result *res)
{
	static struct xregs in, out;
	unsigned flags = (cpu.avx ? FL_AVX : 0) | (cpu.avx512 ? FL_AVX512 : 0) |
			 (cpu.avx512bw ? FL_BW : 0) | (cpu.pku ? FL_PKU : 0);
	uint64_t rng = seed * 2 + 1, end = now_ms() + seconds * 1000ull;
	unsigned long per_ms = tsc_per_ms();
	char why[240];

	res->rounds = res->yields = 0;
	res->msg[0] = 0;
	while (now_ms() < end) {
		/* Spins of 1/64 ms to 8 ms: the kernel's time slice is a few ms,
		 * so some end in a yield and some in the timer's preemption. */
		unsigned long yields = 1 + xorshift(&rng) % 4;
		unsigned long spin = per_ms * (1 + xorshift(&rng) % 512) / 64;

		make_regs(&in, seed, res->rounds);
		memset(&out, 0, sizeof(out));
		load_yield_store(&in, &out, flags, yields, spin);
		res->yields += yields;
		if (first_difference(&in, &out, flags, tag_of(seed), why, sizeof(why))) {
			snprintf(res->msg, sizeof(res->msg), "seed %llu round %lu (after %lu yields): %s",
				 (unsigned long long)seed, res->rounds, yields, why);
			return;
		}
		res->rounds++;
	}
}

static int worker_main(uint64_t seed, unsigned seconds)
{
	struct stress_result res;
	struct kestrel_fpustat st[64];
	long tid = raw_syscall0(SYS_gettid), n;

	stress(seed, seconds, &res);
	if (res.msg[0]) {
		ktap_note("worker %s", res.msg);
		return 1;
	}
	char counters[100] = "";
	n = kestrel_fpustat(st, 64);
	for (long i = 0; i < n && i < 64; i++)
		if (st[i].tid == tid)
			snprintf(counters, sizeof(counters), "; switched out %llu times, restored %llu "
				 "(%llu restores skipped)", st[i].saves, st[i].restores, st[i].restores_skipped);
	ktap_note("worker seed %llu: %lu rounds, %lu yields, all registers intact%s",
	     (unsigned long long)seed, res.rounds, res.yields, counters);
	return 0;
}

/* Start this program with argv (argv[0] is ours): its pid, or -errno. */
static long spawn_self(char *argv[])
{
	long pid = kestrel_spawn(PROG, argv, environ);
	pid_t p;

	if (pid != -ENOSYS)
		return pid;
	int err = posix_spawn(&p, "/proc/self/exe", NULL, NULL, argv, environ);
	return err ? -err : p;
}

static int wait_for(long pid)
{
	int status;

	if (pid < 0)
		return (int)pid;
	return waitpid(pid, &status, 0) == pid ? status : -errno;
}

/* ---- the cases ---- */

static uint64_t base_seed;
static unsigned seconds = 3;

static const char *xcr0_matches_kernel(void)
{
	struct kestrel_fpuinfo info;
	char buf[120];

	ktap_print("# %s", describe_cpu(buf, sizeof(buf)));
	KTAP_EXPECT((cpu.xcr0 & 3) == 3, "XCR0 %#llx lacks x87 or SSE", (unsigned long long)cpu.xcr0);
	long r = kestrel_fpuinfo(&info);
	if (r == -ENOSYS)
		return "not running on Kestrel";
	if (!KTAP_EXPECT(r == 0, "kestrel_fpuinfo() = %ld", r))
		return NULL;
	if (strcmp(info.strategy, "fxsave") == 0) {
		/* FXSAVE only: the kernel must not have set CR4.OSXSAVE. */
		KTAP_EXPECT(!cpu.osxsave, "strategy fxsave, but CPUID.1:ECX.OSXSAVE is set");
		KTAP_EXPECT(info.xcr0 == 3, "strategy fxsave, but fpuinfo.xcr0 = %#llx", info.xcr0);
	} else {
		KTAP_EXPECT(cpu.osxsave, "strategy %s, but CPUID.1:ECX.OSXSAVE is clear", info.strategy);
		KTAP_EXPECT(info.xcr0 == cpu.xcr0, "fpuinfo.xcr0 = %#llx, XGETBV(0) = %#llx",
			    info.xcr0, (unsigned long long)cpu.xcr0);
	}
	return NULL;
}

/* ---- init-check: a fresh process's registers, before it used any ---- */

static struct { uint8_t b[512]; } init_fx __attribute__((aligned(16)));

static int init_check_main(void)
{
	static struct xregs r;
	const uint8_t *fx = init_fx.b;
	int bad = 0;

#define WANT(cond, ...) do { if (!(cond)) { ktap_note("init-check: " __VA_ARGS__); bad = 1; } } while (0)
	/* The FXSAVE image's fields: SDM vol. 1 table 10-2 (64-bit format: 10-3). */
	uint16_t fcw = *(const uint16_t *)fx, fsw = *(const uint16_t *)(fx + 2);
	uint32_t mxcsr = *(const uint32_t *)(fx + 24);
	WANT(fcw == 0x37f, "FCW = %#x, want 0x37f", fcw);
	WANT(fsw == 0, "FSW = %#x, want 0", fsw);
	WANT(fx[4] == 0, "abridged FTW = %#x, want 0 (all registers empty)", fx[4]);
	WANT(mxcsr == 0x1f80, "MXCSR = %#x, want 0x1f80", mxcsr);
	for (int i = 0; i < 8; i++) {
		const uint64_t *st = (const uint64_t *)(fx + 32 + 16 * i);
		WANT(st[0] == 0 && (st[1] & 0xffff) == 0, "ST%d/MM%d = %04llx:%016llx, want 0", i, i,
		     (unsigned long long)(st[1] & 0xffff), (unsigned long long)st[0]);
	}
	for (int i = 0; i < 16; i++) {
		const uint64_t *x = (const uint64_t *)(fx + 160 + 16 * i);
		WANT(x[0] == 0 && x[1] == 0, "XMM%d = %016llx%016llx, want 0", i,
		     (unsigned long long)x[1], (unsigned long long)x[0]);
	}
	/* Code compiled without -mavx never writes upper halves, zmm16-31 or
	 * opmasks, so reading them now is as good as at the first instruction. */
	detect();
	if (cpu.avx512 && cpu.avx512bw)
		__asm__ volatile(XR_X16(XR_STZ, "%[out]") XR_HI16(XR_STZ, "%[out]") XR_X8(XR_STKQ, "%[out]")
				 :: [out] "r"(&r) : "memory");
	else if (cpu.avx512)
		__asm__ volatile(XR_X16(XR_STZ, "%[out]") XR_HI16(XR_STZ, "%[out]") XR_X8(XR_STKW, "%[out]")
				 :: [out] "r"(&r) : "memory");
	else if (cpu.avx)
		__asm__ volatile(XR_X16(XR_STY, "%[out]") :: [out] "r"(&r) : "memory");
	for (int i = 0; cpu.avx && i < (cpu.avx512 ? 32 : 16); i++)
		for (int q = i < 16 ? 2 : 0; q < (cpu.avx512 ? 8 : 4); q++)
			WANT(r.v[i][q] == 0, "%cmm%d bits %d:%d = %016llx, want 0", q < 4 ? 'y' : 'z', i,
			     q * 64 + 63, q * 64, (unsigned long long)r.v[i][q]);
	for (int i = 0; cpu.avx512 && i < 8; i++)
		WANT(r.k[i] == 0, "k%d = %#llx, want 0", i, (unsigned long long)r.k[i]);
	if (cpu.pku) {
		uint32_t pkru, edx;
		__asm__ volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
		/* Linux starts processes with every key but 0 access-disabled. */
		uint32_t want = on_kestrel() ? 0 : 0x55555554;
		WANT(pkru == want, "PKRU = %#x, want %#x", pkru, want);
	}
#undef WANT
	return bad;
}

static const char *never_used_fpu_sees_init(void)
{
	char *argv[] = { PROG, "init-check", NULL }, how[80];
	int status = wait_for(spawn_self(argv));

	KTAP_EXPECT(child_exited_with(status, 0), "a fresh process's registers are not the init "
		    "values (above): %s", child_describe(status, how, sizeof(how)));
	return NULL;
}

/* ---- the stress test proper ---- */

static const char *registers_survive_switches(void)
{
	enum { NWORKERS = 3 };
	long pid[NWORKERS];
	char seedarg[NWORKERS][24], secarg[16], how[80];
	struct stress_result mine;

	snprintf(secarg, sizeof(secarg), "%u", seconds);
	for (int i = 0; i < NWORKERS; i++) {
		snprintf(seedarg[i], sizeof(seedarg[i]), "%llu", (unsigned long long)base_seed + 1 + i);
		char *argv[] = { PROG, "worker", seedarg[i], secarg, NULL };
		pid[i] = spawn_self(argv);
		KTAP_EXPECT(pid[i] > 0, "spawning worker %d: %ld", i, pid[i]);
	}
	/* The parent is a fourth worker, with the base seed. */
	stress(base_seed, seconds, &mine);
	KTAP_EXPECT(!mine.msg[0], "parent: %s", mine.msg);
	if (!mine.msg[0])
		ktap_print("# parent seed %llu: %lu rounds, %lu yields, all registers intact",
			   (unsigned long long)base_seed, mine.rounds, mine.yields);
	for (int i = 0; i < NWORKERS; i++) {
		int status = wait_for(pid[i]);
		KTAP_EXPECT(child_exited_with(status, 0), "worker seed %s: %s", seedarg[i],
			    child_describe(status, how, sizeof(how)));
	}
	return NULL;
}

/*
 * ---- x87 instruction and data pointers ----
 *
 * FIP/FDP/FOP name the last x87 instruction and its memory operand (SDM
 * vol. 1 8.1.8).  AMD CPUs without CPUID.80000008H:EBX[2] (XSAVEERPTR)
 * save and restore them only while an x87 exception is pending, so
 * without care the next task inherits the previous one's: a leak of where
 * another process's code and data are.  x87-user puts known values in
 * them; x87-spy, which never runs x87 code, must never see them.
 */
double x87_src = 1.5, x87_leak_data;
void x87_touch(void);
extern const char x87_leak_ip[];
__asm__(".text\n"
	"x87_touch:\n\t"
	"fldl x87_src(%rip)\n"
	"x87_leak_ip:\n\t"		/* the last x87 instruction: FIP; its operand: FDP */
	"fstpl x87_leak_data(%rip)\n\t"
	"ret\n");

struct fxarea { uint8_t b[576]; } __attribute__((aligned(64)));

/* FIP and FDP as FXSAVE64 (and XSAVE64 if enabled) see them: SDM vol. 1 table 10-3. */
static void x87_pointers(struct fxarea *a, bool use_xsave, uint64_t *fip, uint64_t *fdp)
{
	memset(a, 0, sizeof(*a));
	if (use_xsave)
		__asm__ volatile("xsave64 %0" : "+m"(*a) : "a"(1), "d"(0));	/* RFBM = x87 */
	else
		__asm__ volatile("fxsave64 %0" : "+m"(*a));
	memcpy(fip, a->b + 8, 8);
	memcpy(fdp, a->b + 16, 8);
}

static int x87_user_main(void)
{
	static struct fxarea a;
	uint64_t end = now_ms() + 400, fip, fdp;
	bool visible = false;

	while (now_ms() < end) {
		x87_touch();
		x87_pointers(&a, false, &fip, &fdp);
		visible |= fip == (uint64_t)x87_leak_ip;
		raw_syscall0(SYS_sched_yield);
	}
	/* 4: this CPU's FXSAVE does not show FIP, so no spy could see it either. */
	return visible ? 0 : 4;
}

static int x87_spy_main(void)
{
	static struct fxarea a;
	uint64_t end = now_ms() + 300, fip, fdp, checks = 0, others = 0;

	detect();
	while (now_ms() < end) {
		raw_syscall0(SYS_sched_yield);
		for (int x = 0; x <= cpu.osxsave; x++) {
			x87_pointers(&a, x, &fip, &fdp);
			checks++;
			if (fip == (uint64_t)x87_leak_ip || (fdp && fdp == (uint64_t)&x87_leak_data)) {
				ktap_note("x87-spy: %s shows FIP %#llx, FDP %#llx: x87-user's instruction "
				     "%p and operand %p", x ? "XSAVE64" : "FXSAVE64", (unsigned long long)fip,
				     (unsigned long long)fdp, (void *)x87_leak_ip, (void *)&x87_leak_data);
				return 1;
			}
			if ((fip || fdp) && !others++)
				ktap_note("x87-spy: FIP %#llx, FDP %#llx: not x87-user's, but not zero either",
				     (unsigned long long)fip, (unsigned long long)fdp);
		}
	}
	ktap_note("x87-spy: %llu saves, none showed x87-user's pointers", (unsigned long long)checks);
	return 0;
}

static const char *x87_pointers_do_not_leak(void)
{
	char *user[] = { PROG, "x87-user", NULL }, *spy[] = { PROG, "x87-spy", NULL }, how[80];
	long upid = spawn_self(user), spid = spawn_self(spy);
	int ustatus = wait_for(upid), sstatus = wait_for(spid);

	KTAP_EXPECT(child_exited_with(sstatus, 0), "x87-spy: %s", child_describe(sstatus, how, sizeof(how)));
	if (child_exited_with(ustatus, 4))
		return "this CPU's FXSAVE does not show FIP even to its owner";
	KTAP_EXPECT(child_exited_with(ustatus, 0), "x87-user: %s", child_describe(ustatus, how, sizeof(how)));
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "xcr0_matches_kernel", xcr0_matches_kernel },
	{ "never_used_fpu_sees_init", never_used_fpu_sees_init },
	{ "registers_survive_switches", registers_survive_switches },
	{ "x87_pointers_do_not_leak", x87_pointers_do_not_leak },
};

static int dispatch(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	detect();
	if (strcmp(mode, "init-check") == 0)
		return init_check_main();
	if (strcmp(mode, "x87-user") == 0)
		return x87_user_main();
	if (strcmp(mode, "x87-spy") == 0)
		return x87_spy_main();
	if (strcmp(mode, "worker") == 0 && argc == 4)
		return worker_main(strtoull(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
	if (argc > 3 || (argc > 1 && (mode[0] < '0' || mode[0] > '9'))) {
		fprintf(stderr, "usage: test-xstate [SEED [SECONDS]]\n");
		return 2;
	}
	base_seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (uint64_t)getpid();
	if (argc > 2)
		seconds = strtoul(argv[2], NULL, 0);
	return KTAP_RUN(cases);
}

int main(int argc, char **argv)
{
	/* First, before any compiled code can touch them: the registers as
	 * the kernel handed them over (only init-check looks at them). */
	__asm__ volatile("fxsave64 %0" : "=m"(init_fx) :: "memory");
	return dispatch(argc, argv);
}
