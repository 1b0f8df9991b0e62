/*
 * XSAVE area layout: Intel SDM vol. 1 13.4.3 turned into code.
 *
 * Both formats begin alike: the 512-byte legacy region (x87 and SSE, laid
 * out as FXSAVE does) and the 64-byte XSAVE header at 512.  Then:
 *  - standard (XSAVE, XSAVEOPT): component i always sits at
 *    CPUID.(EAX=0DH,ECX=i).EBX, whatever else is enabled, so switched-off
 *    components leave holes.  Offsets need not follow index order (APX,
 *    bit 19, reuses the MPX hole at 960), so the size is the furthest end.
 *  - compacted (XSAVEC, XSAVES): the enabled components i >= 2 are packed
 *    in index order from 576, each first rounded up to a multiple of 64
 *    if CPUID.(EAX=0DH,ECX=i).ECX[1] says so.
 *
 * No library calls, not even memset: the kernel has no libc.
 */
#include "fpu/layout.h"
#include "uapi/xfeatures.h"

/*
 * Linux splits the legacy region at struct fxregs_state's xmm_space: x87
 * is bytes 0-159, SSE the sixteen XMM registers at 160-415.  The SDM's
 * split is finer (MXCSR, bytes 24-31, is SSE state: vol. 1 13.5.2), but
 * nothing here depends on it, so mirror Linux.
 */
#define FP_SIZE		160
#define SSE_OFFSET	160
#define SSE_SIZE	256

// clang-format off
static const char *const xstate_errors[XSTATE_ERROR_MAX] = {
	[XSTATE_OK]		= "success",
	[XSTATE_EINVAL]		= "invalid argument",
	[XSTATE_ENOFP]		= "x87 state (bit 0) is not enabled, but XCR0[0] is always 1",
	[XSTATE_EUNSUPPORTED]	= "not supported: in neither CPUID.(EAX=0DH,ECX=0):EDX:EAX (XCR0) nor CPUID.(EAX=0DH,ECX=1):EDX:ECX (IA32_XSS)",
	[XSTATE_ENOXSAVEC]	= "the compacted format needs XSAVEC or XSAVES, and CPUID.(EAX=0DH,ECX=1):EAX reports neither",
	[XSTATE_ENOXSAVES]	= "supervisor state needs XSAVES, and CPUID.(EAX=0DH,ECX=1):EAX[3] is 0",
	[XSTATE_ESUPERVISOR]	= "supervisor state has no standard-format offset: only XSAVES saves it, and XSAVES always compacts",
	[XSTATE_EFLAGS]		= "CPUID.(EAX=0DH,ECX=i):ECX[0] disagrees with the XCR0 and IA32_XSS bits of sub-leaves 0 and 1",
	[XSTATE_ESIZE]		= "CPUID.(EAX=0DH,ECX=i):EAX gives a size of 0",
	[XSTATE_EOFFSET]	= "CPUID.(EAX=0DH,ECX=i):EBX puts it inside the legacy region or the XSAVE header (below 576)",
	[XSTATE_EOVERLAP]	= "its standard-format offset overlaps another enabled component",
	[XSTATE_ETOOBIG]	= "the XSAVE area would not fit in 4 GiB",
	[XSTATE_ETODO]		= "not computed yet: fpu/layout.c, place_components (lab layout, docs/labs/layout.md)",
};
// clang-format on

static bool is_set(uint64_t mask, int i)
{
	return (mask >> i) & 1;
}

static int lowest_bit(uint64_t mask)
{
	int i = 0;

	while (i < XFEATURE_MAX - 1 && !is_set(mask, i))
		i++;
	return i;
}

uint64_t xstate_user_features(const struct xstate_cpuid *c)
{
	return (uint64_t)c->sub[0].edx << 32 | c->sub[0].eax;
}

uint64_t xstate_supervisor_features(const struct xstate_cpuid *c)
{
	return (uint64_t)c->sub[1].edx << 32 | c->sub[1].ecx;
}

static int fail(struct xstate_layout *l, enum xstate_error err, int xfeature)
{
	l->bad_xfeature = xfeature;
	l->total_size = 0;
	return -(int)err;
}

/*
 * Can this CPU save @xfeatures in @format at all, and is CPUID sane?
 * XSETBV's own rules on XCR0 (AVX needs SSE, AVX-512's three bits go
 * together, ...: SDM vol. 1 13.3) are left to the code that writes XCR0.
 */
static int check_features(const struct xstate_cpuid *c, uint64_t xfeatures,
			  enum xstate_format format, struct xstate_layout *l)
{
	uint64_t user = xstate_user_features(c);
	uint64_t supervisor = xstate_supervisor_features(c);
	uint64_t unsupported = xfeatures & ~(user | supervisor);
	uint32_t insns = c->sub[1].eax;
	int i;

	if (!is_set(xfeatures, XFEATURE_FP))
		return fail(l, XSTATE_ENOFP, XFEATURE_FP);
	if (unsupported)
		return fail(l, XSTATE_EUNSUPPORTED, lowest_bit(unsupported));
	if (format == XSTATE_FORMAT_COMPACTED &&
	    !(insns & (XSTATE_CPUID_XSAVEC | XSTATE_CPUID_XSAVES)))
		return fail(l, XSTATE_ENOXSAVEC, -1);
	/* XSAVE/XSAVEOPT/XSAVEC save only XCR0 state; XSAVES adds IA32_XSS (13.11). */
	if (xfeatures & supervisor) {
		if (format == XSTATE_FORMAT_STANDARD)
			return fail(l, XSTATE_ESUPERVISOR, lowest_bit(xfeatures & supervisor));
		if (!(insns & XSTATE_CPUID_XSAVES))
			return fail(l, XSTATE_ENOXSAVES, lowest_bit(xfeatures & supervisor));
	}
	for (i = FIRST_EXTENDED_XFEATURE; i < XFEATURE_MAX; i++) {
		bool in_xss = is_set(supervisor, i);
		bool flagged = c->sub[i].ecx & XSTATE_FLAG_SUPERVISOR;

		if (!is_set(xfeatures, i))
			continue;
		/* ECX[0] is set iff bit i is an IA32_XSS bit, not an XCR0 one. */
		if (flagged != in_xss || (in_xss && is_set(user, i)))
			return fail(l, XSTATE_EFLAGS, i);
		if (c->sub[i].eax == 0)
			return fail(l, XSTATE_ESIZE, i);
	}
	return 0;
}

/*
 * Where each component of @xfeatures goes (l->offset[], l->size[]) and how
 * big the area is (l->total_size), once check_features() has accepted them.
 */
static int place_components(const struct xstate_cpuid *c, uint64_t xfeatures,
			    enum xstate_format format, struct xstate_layout *l)
{
	// LAB layout: begin
	/* 64 bits, so a CPUID size near 4 GiB is caught below, not wrapped. */
	uint64_t next = XSAVE_EXT_OFFSET;	/* compacted: first free byte */
	uint64_t end = XSAVE_EXT_OFFSET;	/* furthest byte used, + 1 */
	int i, j;

	for (i = 0; i < XFEATURE_MAX; i++) {
		uint64_t offset, size = c->sub[i].eax;

		if (!is_set(xfeatures, i)) {
			offset = size = 0;
		} else if (i == XFEATURE_FP) {
			offset = 0;
			size = FP_SIZE;
		} else if (i == XFEATURE_SSE) {
			offset = SSE_OFFSET;
			size = SSE_SIZE;
		} else if (format == XSTATE_FORMAT_COMPACTED) {	/* SDM vol. 1 13.4.3 */
			offset = next;
			if (c->sub[i].ecx & XSTATE_FLAG_ALIGNED64)
				offset = (offset + 63) & ~(uint64_t)63;
			next = offset + size;
		} else {
			offset = c->sub[i].ebx;
			if (offset < XSAVE_EXT_OFFSET)
				return fail(l, XSTATE_EOFFSET, i);
		}
		if (offset + size > UINT32_MAX)
			return fail(l, XSTATE_ETOOBIG, i);
		if (offset + size > end)
			end = offset + size;
		l->offset[i] = (uint32_t)offset;
		l->size[i] = (uint32_t)size;
	}

	/*
	 * Compacted areas cannot overlap by construction; CPUID's offsets can.
	 * (Each offset + size was checked above to fit in 32 bits.)
	 */
	for (i = FIRST_EXTENDED_XFEATURE; i < XFEATURE_MAX; i++) {
		for (j = FIRST_EXTENDED_XFEATURE; j < i; j++) {
			if (l->size[i] && l->size[j] &&
			    l->offset[i] < l->offset[j] + l->size[j] &&
			    l->offset[j] < l->offset[i] + l->size[i])
				return fail(l, XSTATE_EOVERLAP, i);
		}
	}
	l->total_size = (uint32_t)end;
	return 0;
	// LAB layout: stub
	//	(void)c, (void)xfeatures, (void)format;
	//	return fail(l, XSTATE_ETODO, -1);
	// LAB layout: end
}

int xstate_layout_calculate(const struct xstate_cpuid *c, uint64_t xfeatures,
			    enum xstate_format format, struct xstate_layout *l)
{
	int err;

	if (!l)
		return -XSTATE_EINVAL;
	l->xfeatures = xfeatures;
	l->format = format;
	l->total_size = 0;
	l->bad_xfeature = -1;
	for (int i = 0; i < XFEATURE_MAX; i++)
		l->offset[i] = l->size[i] = 0;
	if (!c || (format != XSTATE_FORMAT_STANDARD && format != XSTATE_FORMAT_COMPACTED))
		return fail(l, XSTATE_EINVAL, -1);
	err = check_features(c, xfeatures, format, l);
	return err ? err : place_components(c, xfeatures, format, l);
}

const char *xstate_strerror(int err)
{
	unsigned int e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	return e < XSTATE_ERROR_MAX ? xstate_errors[e] : "unknown error";
}

/* Linux's name for component i (uapi/xfeatures.h), as its boot log prints it. */
const char *xfeature_name(int i)
{
	switch (i) {
#define LINUX_NAME(bit, short, linux) case bit: return linux;
	XFEATURE_LIST(LINUX_NAME)
#undef LINUX_NAME
	}
	return "unknown xstate feature";
}
