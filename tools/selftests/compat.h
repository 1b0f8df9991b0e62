/*
 * What Linux's selftests take from glibc and musl lacks, forced into every
 * selftest compile (tools/selftests/build.py, -include).  Each item says why.
 * Their source is never changed: where a program needs more than a name,
 * it is built as it is and its result says so.
 */
#ifndef KESTREL_SELFTESTS_COMPAT_H
#define KESTREL_SELFTESTS_COMPAT_H
#ifndef __ASSEMBLER__ /* forced into the .S files they link too */

#include <stdint.h>

/* lam.c uses the BSD name glibc's <sys/types.h> gives (under __USE_MISC). */
typedef unsigned int uint;

/*
 * amx.c reads the signal frame's software bytes by glibc's name for them
 * (<bits/sigcontext.h>, after Linux's uapi struct _fpx_sw_bytes); musl's
 * <signal.h> has no such struct.  The layout is the kernel's ABI
 * (uapi/signal.h: struct k_fpx_sw_bytes).
 */
struct _fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xstate_bv;
	uint32_t xstate_size;
	uint32_t __glibc_reserved1[7];
};

#endif
#endif
