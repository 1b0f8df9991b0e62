/*
 * The save and restore instructions, one function each way, choosing the
 * instruction by fpu_cfg.strategy.  Only fpu/ includes this: nothing else
 * in the kernel executes these instructions.
 */
#pragma once
#include <stdint.h>

/* Save the components in mask (all: ~0) from the registers into buf.
 * Compacted: SSE and MXCSR are always written, whatever the init
 * optimization skipped (XSTATE_BV[1] is then set, holding init values). */
void xsave_to(void *buf, uint64_t mask);
/* Load the components in mask from buf, never PKRU (fpu/pkru.c).  0, or
 * -1 if the instruction faulted (a corrupt image): the registers are then
 * undefined. */
int xrstor_from(const void *buf, uint64_t mask);
/* The XSAVE header's first two words (SDM vol. 1 13.4.2). */
static inline uint64_t *xstate_bv(void *buf) { return (uint64_t *)((char *)buf + 512); }
static inline uint64_t *xcomp_bv(void *buf) { return (uint64_t *)((char *)buf + 520); }
#define XCOMP_BV_COMPACTED (1ull << 63)
/* The legacy region's SSE part (SDM vol. 1 13.4.1: bytes 31:24, 415:160). */
#define MXCSR_OFFSET		24
#define MXCSR_MASK_OFFSET	28
#define MXCSR_INIT		0x1f80	/* all exceptions masked, round to nearest */
#define XMM_OFFSET		160
#define XMM_SIZE		256
