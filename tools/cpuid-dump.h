/*
 * Host-side reader for CPUID dumps in InstLatx64's text format, used by
 * tools/xstate-layout and tests/test_xstate_layout.  Each useful line is
 *
 *	CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn] [comment]
 *
 * and the dump repeats one block of such lines per logical CPU; only the
 * first block is read, and from it only leaf 0xD.
 */
#pragma once
#include <stddef.h>
#include <stdio.h>

#include "fpu/layout.h"

/*
 * Fill @c from the first block of the dump in @f (@name is for messages).
 * Returns 0, or -1 with a one-line reason, prefixed "name:line: ", in @err.
 */
int cpuid_dump_read(FILE *f, const char *name, struct xstate_cpuid *c,
		    char *err, size_t errlen);

/* The same for the file at @path, including the error of opening it. */
int cpuid_dump_load(const char *path, struct xstate_cpuid *c,
		    char *err, size_t errlen);
