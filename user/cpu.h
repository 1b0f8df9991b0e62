/*
 * What the CPU and the kernel let a program use, as a program must find
 * out: a feature is usable only if CPUID reports it AND the kernel set its
 * XCR0 bits (SDM vol. 1 13.3); otherwise its instructions #UD.  One
 * detection for every test program.
 */
#ifndef USER_CPU_H
#define USER_CPU_H

#include <cpuid.h>
#include <stdbool.h>
#include <stdint.h>

struct user_cpu {
	bool osxsave;		/* CR4.OSXSAVE: XGETBV is allowed */
	bool ospke;		/* CR4.PKE: RDPKRU/WRPKRU are allowed */
	bool avx, avx512, avx512bw, pku;
	uint64_t xcr0;		/* without XSAVE: x87 and SSE, through FXSAVE */
};

static inline struct user_cpu user_cpu_detect(void)
{
	struct user_cpu cpu = { .xcr0 = 3 };
	unsigned a, b, c, d, max = __get_cpuid_max(0, 0);

	__cpuid_count(1, 0, a, b, c, d);
	cpu.osxsave = c >> 27 & 1;
	bool avx = c >> 28 & 1;
	if (cpu.osxsave) {
		__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
		cpu.xcr0 = (uint64_t)d << 32 | a;
	}
	b = c = 0;
	if (max >= 7)
		__cpuid_count(7, 0, a, b, c, d);
	cpu.avx = avx && (cpu.xcr0 & 0x6) == 0x6;
	cpu.avx512 = cpu.avx && (b >> 16 & 1) && (cpu.xcr0 & 0xe0) == 0xe0;
	cpu.avx512bw = cpu.avx512 && (b >> 30 & 1);	/* KMOVQ needs AVX512BW */
	/* CPUID.7.0:ECX.OSPKE[4] mirrors CR4.PKE (RDPKRU/WRPKRU #UD without
	 * it); PKRU is switched with the task only if XCR0[9]. */
	cpu.ospke = c >> 4 & 1;
	cpu.pku = cpu.ospke && (cpu.xcr0 >> 9 & 1);
	return cpu;
}

static inline uint32_t rdpkru(void)
{
	uint32_t pkru, edx;
	__asm__ volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static inline void wrpkru(uint32_t pkru)
{
	/* "memory": accesses must not move across the change of rights. */
	__asm__ volatile("wrpkru" :: "a"(pkru), "c"(0), "d"(0) : "memory");
}

#endif
