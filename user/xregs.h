/*
 * The register images the extended-state tests load into the registers
 * and store back, and the asm that does it, shared by test-xstate,
 * test-xstate-debug and xstate-probe.  The load and the store must sit in
 * the same asm statement as whatever the test does in between: compiled
 * C may use the XMM registers itself.
 *
 * The asm names a field by a literal offset (an operand cannot be added
 * to a "movdqu N*16(%[in])" at compile time), so each offset is asserted
 * against the struct below.  A base is an operand string: "%[in]", "%%r9".
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define XR_X8(M, b) M(0, b) M(1, b) M(2, b) M(3, b) M(4, b) M(5, b) M(6, b) M(7, b)
#define XR_X16(M, b) XR_X8(M, b) M(8, b) M(9, b) M(10, b) M(11, b) M(12, b) M(13, b) M(14, b) M(15, b)
#define XR_HI16(M, b) M(16, b) M(17, b) M(18, b) M(19, b) M(20, b) M(21, b) M(22, b) M(23, b) \
		      M(24, b) M(25, b) M(26, b) M(27, b) M(28, b) M(29, b) M(30, b) M(31, b)

/* The clobbers of any asm that loads XMM0-15. */
#define XR_XMM_CLOBBERS \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* WRPKRU/RDPKRU take ECX = EDX = 0 (SDM vol. 2B); they clobber EAX, ECX, EDX. */
#define XR_LOAD_PKRU(off, b) "mov " off "(" b "), %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\twrpkru\n\t"
#define XR_STORE_PKRU(off, b) "xor %%ecx, %%ecx\n\trdpkru\n\tmov %%eax, " off "(" b ")\n\t"

/* ---- SSE: XMM0-15, MXCSR and PKRU, 16-byte slots ---- */

struct xregs_sse {
	uint64_t xmm[16][2];
	uint32_t mxcsr, pkru;
} __attribute__((aligned(16)));

#define XR_SSE_MXCSR	"256"
#define XR_SSE_PKRU	"260"
_Static_assert(offsetof(struct xregs_sse, mxcsr) == 256 && offsetof(struct xregs_sse, pkru) == 260 &&
	       sizeof(struct xregs_sse) == 272, "struct xregs_sse layout");

#define XR_LDX16(n, b) "movdqu " #n "*16(" b "), %%xmm" #n "\n\t"
#define XR_STX16(n, b) "movdqu %%xmm" #n ", " #n "*16(" b ")\n\t"
#define XR_SSE_LOAD(b) XR_X16(XR_LDX16, b) "ldmxcsr " XR_SSE_MXCSR "(" b ")\n\t"
#define XR_SSE_STORE(b) XR_X16(XR_STX16, b) "stmxcsr " XR_SSE_MXCSR "(" b ")\n\t"

/* ---- everything: ZMM0-31 in 64-byte slots, opmasks, x87, MXCSR, PKRU, FCW ---- */

struct x87reg {
	uint64_t mant;
	uint16_t sexp;
	uint8_t pad[6];		/* FSTP m80 writes 10 bytes; slots are 16 */
};

struct xregs {
	uint64_t v[32][8];	/* zmm0-31 in 64-byte slots: xmm is v[n][0..1] */
	uint64_t k[8];
	struct x87reg st[8];	/* in push order: st[7] ends up in ST(0) */
	uint32_t mxcsr, pkru;
	uint16_t fcw;
} __attribute__((aligned(64)));

#define XR_MXCSR	"2240"
#define XR_PKRU		"2244"
#define XR_FCW		"2248"
_Static_assert(offsetof(struct xregs, k) == 2048 && offsetof(struct xregs, st) == 2112 &&
	       offsetof(struct xregs, mxcsr) == 2240 && offsetof(struct xregs, pkru) == 2244 &&
	       offsetof(struct xregs, fcw) == 2248, "struct xregs layout");

#define XR_LDX(n, b) "movdqu " #n "*64(" b "), %%xmm" #n "\n\t"
#define XR_STX(n, b) "movdqu %%xmm" #n ", " #n "*64(" b ")\n\t"
#define XR_LDY(n, b) "vmovdqu " #n "*64(" b "), %%ymm" #n "\n\t"
#define XR_STY(n, b) "vmovdqu %%ymm" #n ", " #n "*64(" b ")\n\t"
#define XR_LDZ(n, b) "vmovdqu64 " #n "*64(" b "), %%zmm" #n "\n\t"
#define XR_STZ(n, b) "vmovdqu64 %%zmm" #n ", " #n "*64(" b ")\n\t"
/* kmovq needs AVX512BW; without it the opmasks are 16 bits (kmovw). */
#define XR_LDKQ(n, b) "kmovq 2048+" #n "*8(" b "), %%k" #n "\n\t"
#define XR_STKQ(n, b) "kmovq %%k" #n ", 2048+" #n "*8(" b ")\n\t"
#define XR_LDKW(n, b) "kmovw 2048+" #n "*8(" b "), %%k" #n "\n\t"
#define XR_STKW(n, b) "kmovw %%k" #n ", 2048+" #n "*8(" b ")\n\t"
#define XR_FLD(n, b) "fldt 2112+" #n "*16(" b ")\n\t"
#define XR_FSTP(n, b) "fstpt 2112+(7-" #n ")*16(" b ")\n\t"	/* ST(0) is the last pushed */
