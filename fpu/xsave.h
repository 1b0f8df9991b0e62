/*
 * The save and restore instructions, one function each way, choosing the
 * instruction by fpu_cfg.strategy.  Only fpu/ includes this: nothing else
 * in the kernel executes these instructions.
 */
#pragma once
#include <stdint.h>
#include "fpu/types.h"

/* Save the components in mask (all: ~0) from the registers into buf.
 * Compacted: SSE and MXCSR are always written, whatever the init
 * optimization skipped (XSTATE_BV[1] is then set, holding init values). */
void xsave_to(void *buf, uint64_t mask);
/* Load the components in mask from buf, never PKRU (fpu/pkru.c).  0, or
 * -1 if the instruction faulted (a corrupt image): the registers are then
 * undefined. */
int xrstor_from(const void *buf, uint64_t mask);
