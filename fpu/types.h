/*
 * The XSAVE area as types, as Linux's struct fxregs_state, xstate_header
 * and xregs_state (arch/x86/include/asm/fpu/types.h).  The legacy region
 * is FXSAVE's 512-byte layout (SDM vol. 1 10.5.1, Table 10-2, 64-bit
 * form); the header follows it (13.4.2); the extended region after that is
 * laid out by CPUID leaf 0xD (fpu/layout.c), so it has no fields here.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct fxregs_state {
	uint16_t cwd;			/* FCW: x87 control word */
	uint16_t swd;			/* FSW: status word */
	uint16_t twd;			/* FTW, abridged: one bit per register, in the low byte */
	uint16_t fop;			/* last x87 opcode */
	uint64_t rip;			/* FIP: last x87 instruction */
	uint64_t rdp;			/* FDP: its operand */
	uint32_t mxcsr;			/* SSE control and status */
	uint32_t mxcsr_mask;		/* MXCSR bits this CPU supports (0: use 0xffbf) */
	uint8_t st_space[8][16];	/* ST0-7 / MM0-7, 10 bytes used of each 16 */
	uint8_t xmm_space[16][16];	/* XMM0-15 */
	uint8_t padding[48];		/* reserved */
	uint64_t sw_reserved[6];	/* free for software: Linux (and GDB) keep XCR0 in [0] */
} __attribute__((aligned(16)));

struct xstate_header {
	uint64_t xfeatures;		/* XSTATE_BV: components not in their init state */
	uint64_t xcomp_bv;		/* bit 63: compacted; then the components it holds */
	uint64_t reserved[6];		/* must be 0, or XRSTOR faults */
};

struct xregs_state {
	struct fxregs_state i387;
	struct xstate_header header;
	uint8_t extended_state_area[];	/* offsets from fpu_cfg.offset[] */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct fxregs_state, rip) == 8, "FIP at 8");
_Static_assert(offsetof(struct fxregs_state, mxcsr) == 24, "MXCSR at 24");
_Static_assert(offsetof(struct fxregs_state, mxcsr_mask) == 28, "MXCSR_MASK at 28");
_Static_assert(offsetof(struct fxregs_state, st_space) == 32, "ST0 at 32");
_Static_assert(offsetof(struct fxregs_state, xmm_space) == 160, "XMM0 at 160");
_Static_assert(offsetof(struct fxregs_state, padding) == 416, "reserved at 416");
_Static_assert(offsetof(struct fxregs_state, sw_reserved) == 464, "software bytes at 464");
_Static_assert(sizeof(struct fxregs_state) == 512, "the legacy region is 512 bytes");
_Static_assert(sizeof(struct xstate_header) == 64, "the header is 64 bytes");
_Static_assert(offsetof(struct xregs_state, header) == 512, "the header at 512");
_Static_assert(offsetof(struct xregs_state, extended_state_area) == 576, "extended region at 576");

/* A task's buffer, or any XSAVE image, seen through the types. */
static inline struct xregs_state *xregs(void *buf) { return buf; }
static inline const struct xregs_state *xregs_const(const void *buf) { return buf; }

#define XCOMP_BV_COMPACTED	(1ull << 63)
#define MXCSR_INIT		0x1f80	/* all exceptions masked, round to nearest */
#define MXCSR_DEFAULT_MASK	0xffbf	/* when FXSAVE reports 0 (SDM vol. 1 11.6.6) */
