/*
 * Where each state component lives in an XSAVE area, computed from CPUID
 * leaf 0xD alone.  Pure and freestanding: the kernel and the host tools
 * (tools/xstate-layout, tests/test_xstate_layout) compile the same file.
 *
 * Intel SDM vol. 1, 13.4 (XSAVE area) and 13.4.3 (extended region);
 * vol. 2A, CPUID leaf 0DH.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define XFEATURE_FP			0	/* x87 */
#define XFEATURE_SSE			1
#define FIRST_EXTENDED_XFEATURE		2	/* first one outside the legacy region */
#define XFEATURE_MAX			64	/* XCR0 | IA32_XSS is 64 bits wide */

#define FXSAVE_SIZE			512	/* legacy region, SDM vol. 1 13.4.1 */
#define XSAVE_HDR_OFFSET		FXSAVE_SIZE
#define XSAVE_HDR_SIZE			64	/* XSAVE header, SDM vol. 1 13.4.2 */
#define XSAVE_EXT_OFFSET		(FXSAVE_SIZE + XSAVE_HDR_SIZE)	/* 576 */

/* CPUID.(EAX=0DH,ECX=1).EAX */
#define XSTATE_CPUID_XSAVEC		(1u << 1)
#define XSTATE_CPUID_XSAVES		(1u << 3)	/* also: IA32_XSS exists */

/* CPUID.(EAX=0DH,ECX=i).ECX, i >= 2 */
#define XSTATE_FLAG_SUPERVISOR		(1u << 0)	/* bit i lives in IA32_XSS */
#define XSTATE_FLAG_ALIGNED64		(1u << 1)	/* 64-byte aligned when compacted */

/* One sub-leaf of CPUID leaf 0xD, as the CPU returns it. */
struct xstate_subleaf {
	uint32_t eax, ebx, ecx, edx;
};

/*
 * The whole of leaf 0xD.  sub[0]: EDX:EAX = XCR0 bits supported.
 * sub[1]: EAX = XSAVEOPT/XSAVEC/XGETBV1/XSAVES, EDX:ECX = IA32_XSS bits
 * supported.  sub[i], i >= 2: EAX = size, EBX = standard-format offset
 * (meaningless for supervisor components), ECX = XSTATE_FLAG_*.
 * Sub-leaves the CPU does not enumerate are all zero.
 */
struct xstate_cpuid {
	struct xstate_subleaf sub[XFEATURE_MAX];
};

enum xstate_format {
	XSTATE_FORMAT_STANDARD,		/* XSAVE, XSAVEOPT: offsets from CPUID */
	XSTATE_FORMAT_COMPACTED,	/* XSAVEC, XSAVES: packed in index order */
};

/* Errors, returned negated, as Linux returns -EINVAL. */
// clang-format off
enum xstate_error {
	XSTATE_OK,
	XSTATE_EINVAL,		/* NULL pointer or unknown format */
	XSTATE_ENOFP,		/* x87 (bit 0) missing: XCR0[0] is always 1 */
	XSTATE_EUNSUPPORTED,	/* a bit that neither XCR0 nor IA32_XSS supports */
	XSTATE_ENOXSAVEC,	/* compacted format, but no XSAVEC or XSAVES */
	XSTATE_ENOXSAVES,	/* supervisor component, but no XSAVES */
	XSTATE_ESUPERVISOR,	/* supervisor component in the standard format */
	XSTATE_EFLAGS,		/* ECX[0] disagrees with sub-leaves 0 and 1 */
	XSTATE_ESIZE,		/* an enabled component of size 0 */
	XSTATE_EOFFSET,		/* standard offset inside the legacy region or header */
	XSTATE_EOVERLAP,	/* two standard-format components overlap */
	XSTATE_ETOOBIG,		/* the area would not fit in 32 bits */
	XSTATE_ETODO,		/* a student tree's stub (docs/labs/layout.md) */
	XSTATE_ERROR_MAX
};
// clang-format on

struct xstate_layout {
	uint64_t		xfeatures;	/* the mask that was laid out */
	enum xstate_format	format;
	/* Linux's xstate_offsets[]/xstate_sizes[]; 0 and 0 where not enabled */
	uint32_t		offset[XFEATURE_MAX];
	uint32_t		size[XFEATURE_MAX];
	uint32_t		total_size;	/* bytes to allocate; 0 on error */
	int			bad_xfeature;	/* on error: the culprit, or -1 */
};

/* XCR0 bits the CPU supports: CPUID.(EAX=0DH,ECX=0):EDX:EAX */
uint64_t xstate_user_features(const struct xstate_cpuid *c);
/* IA32_XSS bits the CPU supports: CPUID.(EAX=0DH,ECX=1):EDX:ECX */
uint64_t xstate_supervisor_features(const struct xstate_cpuid *c);

/*
 * Lay out the components in @xfeatures (XCR0 | IA32_XSS) in @format.
 * Returns 0, or -XSTATE_E* with layout->bad_xfeature naming the component
 * at fault when there is one; on error the offsets and sizes are partial
 * and total_size is 0.
 */
int xstate_layout_calculate(const struct xstate_cpuid *c, uint64_t xfeatures,
			    enum xstate_format format, struct xstate_layout *layout);

/* A sentence for an error from xstate_layout_calculate(), either sign. */
const char *xstate_strerror(int err);

const char *xfeature_name(int i);	/* "AVX registers", as Linux prints it */
