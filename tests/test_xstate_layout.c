/*
 * Host tests for fpu/layout.c and tools/cpuid-dump.c, printed as KTAP
 * version 1 (Linux's Documentation/dev-tools/ktap.rst, what KUnit prints).
 *
 *	test_xstate_layout [DIR]
 *
 * DIR holds oracles.tsv and the CPUID dumps it names (default
 * tests/data/cpuid, for a run from the repository root).  Each oracle
 * row is a layout Linux printed on real hardware, or read straight off the
 * dump; the synthetic tables cover what those CPUs never show (64-byte
 * alignment, AMX, out-of-order offsets) and every error.
 * Exit status 0 only if no case failed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fpu/layout.h"
#include "tools/cpuid-dump.h"
#include "tests/ktap.h"

#define BIT(i)		((uint64_t)1 << (i))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int n_run, n_pass, n_fail, n_skip;
static bool case_failed;

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	char text[KTAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ktap_emit_diag(&host_out, text);
	case_failed = true;
}

#define EXPECT_EQ(a, b) do {							\
	uint64_t a_ = (a), b_ = (b);						\
	if (a_ != b_)								\
		fail("line %d: %s is %" PRIu64 " (0x%" PRIx64 "), expected %s = %" PRIu64, \
		     __LINE__, #a, a_, a_, #b, b_);				\
} while (0)

static void report(const char *name, const char *skip)
{
	n_run++;
	host_result(!case_failed, (unsigned long)n_run, name, skip);
	if (skip)
		n_skip++;
	else if (case_failed)
		n_fail++;
	else
		n_pass++;
	case_failed = false;
}

/* ---- synthetic CPUID tables ---- */

static void table_init(struct xstate_cpuid *c, uint32_t sub1_eax)
{
	memset(c, 0, sizeof(*c));
	c->sub[0].eax = BIT(XFEATURE_FP) | BIT(XFEATURE_SSE);
	c->sub[1].eax = sub1_eax;
}

/* Enumerate component @i the way a CPU would, in XCR0 or IA32_XSS. */
static void table_add(struct xstate_cpuid *c, int i, uint32_t size, uint32_t offset, uint32_t flags)
{
	struct xstate_subleaf *word = &c->sub[flags & XSTATE_FLAG_SUPERVISOR ? 1 : 0];

	c->sub[i] = (struct xstate_subleaf){ size, offset, flags, 0 };
	if (flags & XSTATE_FLAG_SUPERVISOR) {
		if (i < 32)
			word->ecx |= (uint32_t)BIT(i);
		else
			word->edx |= (uint32_t)BIT(i - 32);
	} else {
		if (i < 32)
			word->eax |= (uint32_t)BIT(i);
		else
			word->edx |= (uint32_t)BIT(i - 32);
	}
}

#define ALL_INSNS	0xf	/* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
#define SUP		XSTATE_FLAG_SUPERVISOR
#define A64		XSTATE_FLAG_ALIGNED64

/* A Sapphire Rapids-like server: MPX hole, AVX-512, PKRU, AMX; or, with
 * @apx, a later one where APX (bit 19) takes over MPX's offset 960. */
static void table_intel_server(struct xstate_cpuid *c, bool apx)
{
	table_init(c, ALL_INSNS);
	table_add(c, 2, 256, 576, 0);
	if (apx) {
		table_add(c, 19, 128, 960, 0);
	} else {
		table_add(c, 3, 64, 960, 0);
		table_add(c, 4, 64, 1024, 0);
	}
	table_add(c, 5, 64, 1088, 0);
	table_add(c, 6, 512, 1152, 0);
	table_add(c, 7, 1024, 1664, 0);
	table_add(c, 8, 128, 0, SUP);
	table_add(c, 9, 8, 2688, 0);
	table_add(c, 11, 16, 0, SUP);
	table_add(c, 12, 24, 0, SUP);
	table_add(c, 17, 64, 2752, A64);
	table_add(c, 18, 8192, 2816, A64 | 4);	/* ECX[2]: XFD-capable */
}

/* Meteor Lake's leaf 0xD (from its dump): no AVX-512, five supervisor parts. */
static void table_meteor_lake(struct xstate_cpuid *c)
{
	table_init(c, ALL_INSNS);
	table_add(c, 2, 256, 576, 0);
	table_add(c, 8, 128, 0, SUP);
	table_add(c, 9, 8, 2688, 0);
	table_add(c, 11, 16, 0, SUP);
	table_add(c, 12, 24, 0, SUP);
	table_add(c, 15, 808, 0, SUP);
	table_add(c, 16, 8, 0, SUP);
}

struct place {
	int xfeature;
	uint32_t offset, size;
};

static int popcount64(uint64_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Lay out @mask and compare every enabled component i >= 2 and the size. */
static void check_layout(const struct xstate_cpuid *c, uint64_t mask, enum xstate_format format,
			 const struct place *want, size_t n, uint32_t total)
{
	struct xstate_layout l;
	int err = xstate_layout_calculate(c, mask, format, &l);
	size_t k;

	if (err) {
		fail("mask 0x%" PRIx64 ": error %d at xfeature %d: %s", mask, err, l.bad_xfeature,
		     xstate_strerror(err));
		return;
	}
	EXPECT_EQ(popcount64(mask >> FIRST_EXTENDED_XFEATURE), n);
	for (k = 0; k < n; k++) {
		int i = want[k].xfeature;

		if (l.offset[i] != want[k].offset || l.size[i] != want[k].size)
			fail("mask 0x%" PRIx64 ": xstate_offset[%d]: %u, xstate_sizes[%d]: %u; expected %u, %u",
			     mask, i, l.offset[i], i, l.size[i], want[k].offset, want[k].size);
	}
	EXPECT_EQ(l.total_size, total);
}

static void check_error(const struct xstate_cpuid *c, uint64_t mask, enum xstate_format format,
			enum xstate_error want, int want_xfeature)
{
	struct xstate_layout l;
	int err = xstate_layout_calculate(c, mask, format, &l);

	if (err != -(int)want)
		fail("mask 0x%" PRIx64 ": returned %d (%s), expected %d (%s)", mask, err,
		     xstate_strerror(err), -(int)want, xstate_strerror(want));
	EXPECT_EQ(l.bad_xfeature, want_xfeature);
	EXPECT_EQ(l.total_size, 0);
}

/* ---- layout cases ---- */

static void legacy_only(void)
{
	struct xstate_cpuid c;
	struct xstate_layout l;

	table_init(&c, ALL_INSNS);
	/* x87 + SSE alone: the legacy region and the header, as Linux sizes it. */
	check_layout(&c, 0x3, XSTATE_FORMAT_STANDARD, NULL, 0, 576);
	check_layout(&c, 0x3, XSTATE_FORMAT_COMPACTED, NULL, 0, 576);
	EXPECT_EQ(xstate_layout_calculate(&c, 0x3, XSTATE_FORMAT_STANDARD, &l), 0);
	EXPECT_EQ(l.offset[0], 0);
	EXPECT_EQ(l.size[0], 160);
	EXPECT_EQ(l.offset[1], 160);
	EXPECT_EQ(l.size[1], 256);
	EXPECT_EQ(xstate_layout_calculate(&c, 0x1, XSTATE_FORMAT_STANDARD, &l), 0);
	EXPECT_EQ(l.size[1], 0);
	EXPECT_EQ(l.total_size, 576);
}

static void compacted_align_midway(void)
{
	static const struct place all[] = { { 2, 576, 256 }, { 3, 832, 8 }, { 4, 896, 64 } };
	static const struct place skip3[] = { { 2, 576, 256 }, { 4, 832, 64 } };
	struct xstate_cpuid c;

	table_init(&c, ALL_INSNS);
	table_add(&c, 2, 256, 576, 0);
	table_add(&c, 3, 8, 832, 0);
	table_add(&c, 4, 64, 896, A64);
	/* 3 ends at 840; 4 is rounded up to 896, and the 56 bytes between are padding */
	check_layout(&c, 0x1f, XSTATE_FORMAT_COMPACTED, all, ARRAY_SIZE(all), 960);
	/* without 3, 832 is already aligned */
	check_layout(&c, 0x17, XSTATE_FORMAT_COMPACTED, skip3, ARRAY_SIZE(skip3), 896);
	/* the standard format ignores ECX[1]: offsets are CPUID's */
	check_layout(&c, 0x1f, XSTATE_FORMAT_STANDARD, all, ARRAY_SIZE(all), 960);
}

static void amx_tile_data(void)
{
	/* Linux on Sapphire Rapids: "Enabled xstate features 0x602e7, context size is 10752 bytes" */
	static const struct place compacted[] = {
		{ 2, 576, 256 }, { 5, 832, 64 }, { 6, 896, 512 }, { 7, 1408, 1024 },
		{ 9, 2432, 8 }, { 17, 2496, 64 }, { 18, 2560, 8192 },
	};
	static const struct place standard[] = {
		{ 2, 576, 256 }, { 5, 1088, 64 }, { 6, 1152, 512 }, { 7, 1664, 1024 },
		{ 9, 2688, 8 }, { 17, 2752, 64 }, { 18, 2816, 8192 },
	};
	struct xstate_cpuid c;

	table_intel_server(&c, false);
	check_layout(&c, 0x602e7, XSTATE_FORMAT_COMPACTED, compacted, ARRAY_SIZE(compacted), 10752);
	check_layout(&c, 0x602e7, XSTATE_FORMAT_STANDARD, standard, ARRAY_SIZE(standard), 11008);
}

static void standard_out_of_order(void)
{
	/* APX (19) sits at 960, below AVX-512: the size is the furthest end (PKRU's) */
	static const struct place standard[] = {
		{ 2, 576, 256 }, { 5, 1088, 64 }, { 6, 1152, 512 }, { 7, 1664, 1024 },
		{ 9, 2688, 8 }, { 19, 960, 128 },
	};
	/* compacted goes by index, so APX comes last */
	static const struct place compacted[] = {
		{ 2, 576, 256 }, { 5, 832, 64 }, { 6, 896, 512 }, { 7, 1408, 1024 },
		{ 9, 2432, 8 }, { 19, 2440, 128 },
	};
	struct xstate_cpuid c;

	table_intel_server(&c, true);
	check_layout(&c, 0x802e7, XSTATE_FORMAT_STANDARD, standard, ARRAY_SIZE(standard), 2696);
	check_layout(&c, 0x802e7, XSTATE_FORMAT_COMPACTED, compacted, ARRAY_SIZE(compacted), 2568);
}

static void supervisor_compacted(void)
{
	static const struct place all[] = {
		{ 2, 576, 256 }, { 8, 832, 128 }, { 9, 960, 8 }, { 11, 968, 16 },
		{ 12, 984, 24 }, { 15, 1008, 808 }, { 16, 1816, 8 },
	};
	static const struct place windows[] = { { 2, 576, 256 }, { 8, 832, 128 }, { 11, 960, 16 } };
	struct xstate_cpuid c;

	table_meteor_lake(&c);
	check_layout(&c, 0x19b07, XSTATE_FORMAT_COMPACTED, all, ARRAY_SIZE(all), 1824);
	/* 976 is the dump's CPUID.(0xD,1).EBX, for XCR0 | IA32_XSS = 0x907 */
	check_layout(&c, 0x907, XSTATE_FORMAT_COMPACTED, windows, ARRAY_SIZE(windows), 976);
}

static void gap(void)
{
	static const struct place standard[] = { { 2, 576, 256 }, { 9, 2688, 8 } };
	static const struct place compacted[] = { { 2, 576, 256 }, { 9, 832, 8 } };
	struct xstate_cpuid c;

	/* no AVX-512 or MPX: the standard format keeps their 1856 bytes as a hole */
	table_meteor_lake(&c);
	check_layout(&c, 0x207, XSTATE_FORMAT_STANDARD, standard, ARRAY_SIZE(standard), 2696);
	check_layout(&c, 0x207, XSTATE_FORMAT_COMPACTED, compacted, ARRAY_SIZE(compacted), 840);
}

/* ---- error cases ---- */

static void simple_table(struct xstate_cpuid *c, uint32_t sub1_eax)
{
	table_init(c, sub1_eax);
	table_add(c, 2, 256, 576, 0);
	table_add(c, 9, 8, 2688, 0);
	table_add(c, 11, 16, 0, SUP);
}

static void error_bad_mask(void)
{
	struct xstate_cpuid c;

	simple_table(&c, ALL_INSNS);
	check_error(&c, 0x206, XSTATE_FORMAT_STANDARD, XSTATE_ENOFP, 0);
	check_error(&c, 0x20f, XSTATE_FORMAT_STANDARD, XSTATE_EUNSUPPORTED, 3);
	check_error(&c, BIT(63) | 0x7, XSTATE_FORMAT_COMPACTED, XSTATE_EUNSUPPORTED, 63);
	check_error(&c, 0x807, XSTATE_FORMAT_STANDARD, XSTATE_ESUPERVISOR, 11);
}

static void error_missing_instructions(void)
{
	struct xstate_cpuid c;

	simple_table(&c, 0x1);		/* XSAVEOPT only */
	check_error(&c, 0x207, XSTATE_FORMAT_COMPACTED, XSTATE_ENOXSAVEC, -1);
	simple_table(&c, 0x3);		/* XSAVEC but no XSAVES */
	check_error(&c, 0x807, XSTATE_FORMAT_COMPACTED, XSTATE_ENOXSAVES, 11);
}

static void error_bad_cpuid(void)
{
	struct xstate_cpuid c;

	simple_table(&c, ALL_INSNS);
	c.sub[9].eax = 0;
	check_error(&c, 0x207, XSTATE_FORMAT_COMPACTED, XSTATE_ESIZE, 9);

	simple_table(&c, ALL_INSNS);
	c.sub[9].ebx = 512;			/* on the XSAVE header */
	check_error(&c, 0x207, XSTATE_FORMAT_STANDARD, XSTATE_EOFFSET, 9);
	c.sub[9].ebx = 0;			/* on the x87 state */
	check_error(&c, 0x207, XSTATE_FORMAT_STANDARD, XSTATE_EOFFSET, 9);

	simple_table(&c, ALL_INSNS);
	c.sub[9].ebx = 828;			/* last 4 bytes of AVX */
	check_error(&c, 0x207, XSTATE_FORMAT_STANDARD, XSTATE_EOVERLAP, 9);

	simple_table(&c, ALL_INSNS);
	c.sub[9].ecx = SUP;			/* an XCR0 bit flagged supervisor */
	check_error(&c, 0x207, XSTATE_FORMAT_COMPACTED, XSTATE_EFLAGS, 9);
	simple_table(&c, ALL_INSNS);
	c.sub[11].ecx = 0;			/* an IA32_XSS bit not flagged */
	check_error(&c, 0x807, XSTATE_FORMAT_COMPACTED, XSTATE_EFLAGS, 11);
	simple_table(&c, ALL_INSNS);
	c.sub[0].eax |= (uint32_t)BIT(11);	/* claimed by XCR0 and IA32_XSS */
	check_error(&c, 0x807, XSTATE_FORMAT_COMPACTED, XSTATE_EFLAGS, 11);
}

static void error_too_big(void)
{
	struct xstate_cpuid c;

	simple_table(&c, ALL_INSNS);
	c.sub[9].eax = 0xfffffff0;
	check_error(&c, 0x207, XSTATE_FORMAT_STANDARD, XSTATE_ETOOBIG, 9);
	simple_table(&c, ALL_INSNS);
	c.sub[2].eax = 0x80000000;		/* fits alone... */
	c.sub[9].eax = 0x80000000;		/* ...but not both, compacted */
	check_error(&c, 0x207, XSTATE_FORMAT_COMPACTED, XSTATE_ETOOBIG, 9);
}

static void error_bad_arguments(void)
{
	struct xstate_cpuid c;
	struct xstate_layout l;
	int e;

	simple_table(&c, ALL_INSNS);
	EXPECT_EQ(xstate_layout_calculate(&c, 0x7, XSTATE_FORMAT_STANDARD, NULL), -XSTATE_EINVAL);
	check_error(NULL, 0x7, XSTATE_FORMAT_STANDARD, XSTATE_EINVAL, -1);
	check_error(&c, 0x7, (enum xstate_format)7, XSTATE_EINVAL, -1);
	EXPECT_EQ(xstate_layout_calculate(&c, 0x7, XSTATE_FORMAT_STANDARD, &l), 0);
	for (e = 0; e < XSTATE_ERROR_MAX; e++) {
		if (!xstate_strerror(-e) || strcmp(xstate_strerror(-e), "unknown error") == 0)
			fail("no message for error %d", e);
	}
	EXPECT_EQ(strcmp(xstate_strerror(-XSTATE_ERROR_MAX), "unknown error"), 0);
	EXPECT_EQ(strcmp(xstate_strerror(-2147483647 - 1), "unknown error"), 0);
}

/*
 * The one table of names (uapi/xfeatures.h) against Linux's
 * xfeature_names[] (arch/x86/kernel/fpu/xstate.c), word for word: bit 12
 * is CET supervisor state (SDM vol. 1 13.1), which Linux names for KVM.
 */
static void xfeature_names_are_linux(void)
{
	static const char *const linux_names[] = {
		"x87 floating point registers", "SSE registers", "AVX registers",
		"MPX bounds registers", "MPX CSR", "AVX-512 opmask", "AVX-512 Hi256",
		"AVX-512 ZMM_Hi256", "Processor Trace (unused)", "Protection Keys User registers",
		"PASID state", "Control-flow User registers",
		"Control-flow Kernel registers (KVM only)", "unknown xstate feature",
		"unknown xstate feature", "unknown xstate feature", "unknown xstate feature",
		"AMX Tile config", "AMX Tile data", "APX registers",
	};
	for (int i = 0; i < (int)ARRAY_SIZE(linux_names); i++)
		if (strcmp(xfeature_name(i), linux_names[i]) != 0)
			fail("bit %d is \"%s\", Linux says \"%s\"", i, xfeature_name(i), linux_names[i]);
	EXPECT_EQ(strcmp(xfeature_name(63), "unknown xstate feature"), 0);
	EXPECT_EQ(strcmp(xfeature_name(-1), "unknown xstate feature"), 0);
	EXPECT_EQ(strcmp(xfeature_name(64), "unknown xstate feature"), 0);
}

/* ---- dump parser cases ---- */

static int parse_text(const char *text, struct xstate_cpuid *c, char *err, size_t errlen)
{
	char *copy = strdup(text);	/* fmemopen wants a writable buffer */
	FILE *f = copy ? fmemopen(copy, strlen(copy), "r") : NULL;
	int ret = -2;

	if (f) {
		ret = cpuid_dump_read(f, "text", c, err, errlen);
		fclose(f);
	} else {
		snprintf(err, errlen, "fmemopen failed");
	}
	free(copy);
	return ret;
}

static void parse_variants(void)
{
	/* Old AIDA64 preamble, CRLF, lower case, comments, no block titles. */
	static const char text[] =
		"------[ CPU Info ]------\r\n"
		"CPUID Manufacturer : GenuineIntel\r\n"
		"CPUID CPU Name     : Intel(R) Core(TM) i5-2400 CPU @ 3.10GHz\r\n"
		"CPUID 00000000: 0000000d-756e6547-6c65746e-49656e69 [GenuineIntel]\r\n"
		"CPUID 0000000D: 00000007-00000340-00000340-00000000 [SL 00] [x87]\r\n"
		"  CPUID 0000000d: 00000001-00000000-00000000-00000000 [SL 01]   \r\n"
		"CPUID 0000000D: 00000100-00000240-00000000-00000000 [SL 02] [AVX]\r\n"
		"CPUID 0000000D: 00000001-00000002-00000003-00000004 [SL 40]\r\n"
		"MSR 0000001B: 0000-0000-FEE0-0900\r\n"
		"CPUID 00000000: 0000000d-756e6547-6c65746e-49656e69\r\n"
		"CPUID 0000000D: 000000ff-00000000-00000000-00000000 [SL 00]\r\n";
	static const char one_untagged[] =
		"CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n"
		"CPUID 0000000D: 00000007-00000340-00000340-00000000\n";
	struct xstate_cpuid c;
	char err[256];

	if (parse_text(text, &c, err, sizeof(err))) {
		fail("%s", err);
		return;
	}
	EXPECT_EQ(c.sub[0].eax, 0x7);		/* the first block, not the second */
	EXPECT_EQ(c.sub[1].eax, 0x1);
	EXPECT_EQ(c.sub[2].eax, 256);
	EXPECT_EQ(c.sub[2].ebx, 576);
	if (parse_text(one_untagged, &c, err, sizeof(err)))
		fail("%s", err);
	EXPECT_EQ(c.sub[0].ecx, 0x340);
	/* Old AIDA64 dumps: no tags; after sub-leaf 0, one line per supported
	 * component (Sandy Bridge: AVX only), or sub-leaf 1 first if it is there. */
	static const char old_aida[] =
		"CPUID 0000000D: 00000007-00000340-00000340-00000000\n"
		"CPUID 0000000D: 00000100-00000240-00000000-00000000\n";
	static const char old_aida_sub1[] =
		"CPUID 0000000D: 00000007-00000340-00000340-00000000\n"
		"CPUID 0000000D: 00000001-00000000-00000000-00000000\n"
		"CPUID 0000000D: 00000100-00000240-00000000-00000000\n";
	if (parse_text(old_aida, &c, err, sizeof(err)))
		fail("%s", err);
	EXPECT_EQ(c.sub[2].eax, 256);
	EXPECT_EQ(c.sub[2].ebx, 576);
	EXPECT_EQ(c.sub[1].eax, 0);
	if (parse_text(old_aida_sub1, &c, err, sizeof(err)))
		fail("%s", err);
	EXPECT_EQ(c.sub[1].eax, 1);
	EXPECT_EQ(c.sub[2].ebx, 576);
}

static void expect_parse_error(const char *text, const char *want)
{
	struct xstate_cpuid c;
	char err[256] = "";

	if (parse_text(text, &c, err, sizeof(err)) != -1)
		fail("accepted a dump it should refuse (%s)", want);
	else if (!strstr(err, want))
		fail("error '%s' does not mention '%s'", err, want);
}

static void parse_errors(void)
{
	struct xstate_cpuid c;
	char err[256] = "";

	/* Untagged lines that fit neither reading: 1 component, 4 lines. */
	expect_parse_error("CPUID 0000000D: 00000007-00000340-00000340-00000000\n"
			   "CPUID 0000000D: 00000001-00000000-00000000-00000000\n"
			   "CPUID 0000000D: 00000100-00000240-00000000-00000000\n"
			   "CPUID 0000000D: 00000100-00000240-00000000-00000000\n",
			   "cannot tell which sub-leaf each is");
	expect_parse_error("CPUID 0000000D: 00000007-00000340-00000340-00000000\n"
			   "CPUID 0000000D: 00000100-00000240-00000000-00000000 [SL 02]\n",
			   "tagged and untagged leaf 0xD lines mixed");
	expect_parse_error("CPUID 0000000D: 00000007-00000340-00000340 [SL 00]\n",
			   "text:1: malformed CPUID line");
	expect_parse_error("\nCPUID 0000000D: 00000007-00000340-00000340-0000000G\n",
			   "text:2: malformed CPUID line");
	expect_parse_error("CPUID 0000000D: 00000007-00000340-00000340-00000000 [SL zz]\n",
			   "text:1: malformed CPUID line");
	expect_parse_error("CPUID 0000000D: 00000007-00000340-00000340-00000000 [SL 00]\n"
			   "CPUID 0000000D: 00000007-00000340-00000340-00000000 [SL 00]\n",
			   "sub-leaf 0 appears twice");
	expect_parse_error("hello\n", "not a CPUID dump");
	expect_parse_error("CPUID 00000000: 0000000B-756E6547-6C65746E-49656E69\n",
			   "highest basic CPUID leaf is 0xb");
	expect_parse_error("CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n",
			   "no leaf 0xD sub-leaf 0");
	if (cpuid_dump_load("/nonexistent/dump.txt", &c, err, sizeof(err)) != -1 ||
	    !strstr(err, "/nonexistent/dump.txt: No such file"))
		fail("missing file: '%s'", err);
}

/* ---- real dumps ---- */

/* @dir/@file into @buf, or a failed case if it does not fit. */
static bool join_path(char *buf, size_t len, const char *dir, const char *file)
{
	if (snprintf(buf, len, "%s/%s", dir, file) < (int)len)
		return true;
	fail("path too long: %s/%s", dir, file);
	return false;
}

struct oracle {
	char dump[256], format[16], offsets[512], source[256];
	uint64_t mask;
	uint32_t size;
};

static bool parse_oracle(char *line, struct oracle *o)
{
	char *field[6], *save = NULL, *mask_end, *size_end;
	int n;

	line[strcspn(line, "\r\n")] = '\0';
	for (n = 0; n < 6; n++) {
		field[n] = strtok_r(n ? NULL : line, "\t", &save);
		if (!field[n])
			return false;
	}
	o->mask = strtoull(field[2], &mask_end, 16);
	o->size = (uint32_t)strtoul(field[4], &size_end, 10);
	snprintf(o->dump, sizeof(o->dump), "%s", field[0]);
	snprintf(o->format, sizeof(o->format), "%s", field[1]);
	snprintf(o->offsets, sizeof(o->offsets), "%s", field[3]);
	snprintf(o->source, sizeof(o->source), "%s", field[5]);
	return !*mask_end && !*size_end && field[2] != mask_end && field[4] != size_end;
}

/* The part of a dump's file name worth a test name: no "_CPUID.txt". */
static int dump_stem(const char *dump)
{
	size_t stem = strcspn(dump, ".");

	if (stem > 6 && strncmp(dump + stem - 6, "_CPUID", 6) == 0)
		stem -= 6;
	return (int)stem;
}

static void check_oracle(const char *dir, const struct oracle *o)
{
	struct place want[XFEATURE_MAX];
	char path[1024], err[512], offsets[512], *tok, *save = NULL;
	enum xstate_format format;
	struct xstate_cpuid c;
	size_t n = 0;

	diag("%s %s 0x%" PRIx64 ": %s", o->dump, o->format, o->mask, o->source);
	if (strcmp(o->format, "compacted") == 0) {
		format = XSTATE_FORMAT_COMPACTED;
	} else if (strcmp(o->format, "standard") == 0) {
		format = XSTATE_FORMAT_STANDARD;
	} else {
		fail("unknown format '%s'", o->format);
		return;
	}
	snprintf(offsets, sizeof(offsets), "%s", o->offsets);
	for (tok = strtok_r(offsets, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int i, off;

		if (sscanf(tok, "%u:%u", &i, &off) != 2 || i >= XFEATURE_MAX || n == XFEATURE_MAX) {
			fail("bad offset '%s' in oracles.tsv", tok);
			return;
		}
		want[n++] = (struct place){ (int)i, off, 0 };
	}
	if (!join_path(path, sizeof(path), dir, o->dump))
		return;
	if (cpuid_dump_load(path, &c, err, sizeof(err))) {
		fail("%s", err);
		return;
	}
	/* The oracle gives no sizes: those are CPUID's EAX, nothing to compute. */
	for (size_t k = 0; k < n; k++)
		want[k].size = c.sub[want[k].xfeature].eax;
	check_layout(&c, o->mask, format, want, n, o->size);
}

/* CPUID.(0xD,0).ECX is the XSAVE (standard) size for every XCR0 bit. */
static void check_max_size(const char *dir, const char *dump)
{
	char path[1024], err[512];
	struct xstate_layout l;
	struct xstate_cpuid c;
	int ret;

	if (!join_path(path, sizeof(path), dir, dump))
		return;
	if (cpuid_dump_load(path, &c, err, sizeof(err))) {
		fail("%s", err);
		return;
	}
	ret = xstate_layout_calculate(&c, xstate_user_features(&c), XSTATE_FORMAT_STANDARD, &l);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(l.total_size, c.sub[0].ecx);
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "legacy_only", legacy_only },
	{ "compacted_align_midway", compacted_align_midway },
	{ "amx_tile_data", amx_tile_data },
	{ "standard_out_of_order", standard_out_of_order },
	{ "supervisor_compacted", supervisor_compacted },
	{ "gap", gap },
	{ "error_bad_mask", error_bad_mask },
	{ "error_missing_instructions", error_missing_instructions },
	{ "error_bad_cpuid", error_bad_cpuid },
	{ "error_too_big", error_too_big },
	{ "error_bad_arguments", error_bad_arguments },
	{ "xfeature_names_are_linux", xfeature_names_are_linux },
	{ "parse_variants", parse_variants },
	{ "parse_errors", parse_errors },
};

#define MAX_ORACLES	256

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data/cpuid";
	static struct oracle oracles[MAX_ORACLES];
	const char *dumps[MAX_ORACLES];
	int n_oracles = 0, n_dumps = 0, i, j;
	char path[1024], *line = NULL, name[512];
	const char *tsv_error = NULL;
	size_t cap = 0;
	struct stat st;
	bool have_dir = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	FILE *f;

	if (have_dir) {
		f = NULL;
		if (snprintf(path, sizeof(path), "%s/oracles.tsv", dir) >= (int)sizeof(path))
			tsv_error = "path too long";
		else if (!(f = fopen(path, "r")))
			tsv_error = "cannot open oracles.tsv";
		while (f && getline(&line, &cap, f) >= 0) {
			if (line[0] == '#' || line[0] == '\n' || strncmp(line, "dump\t", 5) == 0)
				continue;
			if (n_oracles == MAX_ORACLES || !parse_oracle(line, &oracles[n_oracles])) {
				tsv_error = "malformed or too many rows in oracles.tsv";
				break;
			}
			for (j = 0; j < n_dumps && strcmp(dumps[j], oracles[n_oracles].dump); j++)
				;
			if (j == n_dumps)
				dumps[n_dumps++] = oracles[n_oracles].dump;
			n_oracles++;
		}
		if (f)
			fclose(f);
		free(line);
		if (!tsv_error && n_oracles == 0)
			tsv_error = "oracles.tsv has no rows";
	}

	host_plan(ARRAY_SIZE(cases) + (size_t)(!have_dir || tsv_error ? 1 : n_oracles + n_dumps));
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		cases[k].run();
		report(cases[k].name, NULL);
	}
	if (!have_dir && argc == 1 && stat(".lab", &st) == 0) {
		/* A student tree (tools/lab/cut.py writes .lab) holds the dumps back. */
		report("oracles", "the real CPUs' dumps are held back in a student tree: "
				  "your instructor grades them (KESTREL_LAB_DATA)");
	} else if (!have_dir) {
		/* The dumps are part of the tree: missing means a broken checkout. */
		fail("%s not found (run from the repository root)", dir);
		report("oracles", NULL);
	} else if (tsv_error) {
		fail("%s/oracles.tsv: %s", dir, tsv_error);
		report("oracles", NULL);
	} else {
		for (i = 0; i < n_oracles; i++) {
			check_oracle(dir, &oracles[i]);
			snprintf(name, sizeof(name), "oracle_%.*s_%s_0x%" PRIx64,
				 dump_stem(oracles[i].dump), oracles[i].dump,
				 oracles[i].format, oracles[i].mask);
			report(name, NULL);
		}
		for (i = 0; i < n_dumps; i++) {
			check_max_size(dir, dumps[i]);
			snprintf(name, sizeof(name), "cpuid_max_size_%.*s",
				 dump_stem(dumps[i]), dumps[i]);
			report(name, NULL);
		}
	}
	diag("Totals: pass:%d fail:%d skip:%d total:%d", n_pass, n_fail, n_skip, n_run);
	return n_fail ? 1 : 0;
}
