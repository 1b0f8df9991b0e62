/*
 * Which features this CPU has, read once from CPUID at boot (SDM vol. 2A,
 * CPUID, table 3-8).  Everything that depends on a feature asks cpu_has(),
 * never a model or vendor: emulators and real CPUs differ in exactly these
 * bits, and Kestrel runs on both.
 */
#include "kernel/kernel.h"
#include "cpu/cpu.h"
#include "cpu/x86.h"
#include "lib/string.h"
#include "lib/printf.h"

enum { EAX, EBX, ECX, EDX };

static const struct {
	const char *name;
	uint32_t leaf, subleaf;
	uint8_t reg, bit;
} features[X86_NFEATURES] = {
	[X86_FEATURE_FXSR]	= { "fxsr",	1, 0, EDX, 24 },
	[X86_FEATURE_XSAVE]	= { "xsave",	1, 0, ECX, 26 },
	[X86_FEATURE_OSXSAVE]	= { "osxsave",	1, 0, ECX, 27 },
	[X86_FEATURE_AVX]	= { "avx",	1, 0, ECX, 28 },
	[X86_FEATURE_XSAVEOPT]	= { "xsaveopt",	0xd, 1, EAX, 0 },
	[X86_FEATURE_XSAVEC]	= { "xsavec",	0xd, 1, EAX, 1 },
	[X86_FEATURE_XSAVES]	= { "xsaves",	0xd, 1, EAX, 3 },
	[X86_FEATURE_PKU]	= { "pku",	7, 0, ECX, 3 },
	[X86_FEATURE_OSPKE]	= { "ospke",	7, 0, ECX, 4 },
	[X86_FEATURE_ENQCMD]	= { "enqcmd",	7, 0, ECX, 29 },
	[X86_FEATURE_SMEP]	= { "smep",	7, 0, EBX, 7 },
	[X86_FEATURE_SMAP]	= { "smap",	7, 0, EBX, 20 },
	[X86_FEATURE_UMIP]	= { "umip",	7, 0, ECX, 2 },
	[X86_FEATURE_FSGSBASE]	= { "fsgsbase",	7, 0, EBX, 0 },
	[X86_FEATURE_NX]	= { "nx",	0x80000001, 0, EDX, 20 },
	[X86_FEATURE_AVX512F]	= { "avx512f",	7, 0, EBX, 16 },
	[X86_FEATURE_AMX_TILE]	= { "amx_tile",	7, 0, EDX, 24 },
	[X86_FEATURE_SHSTK]	= { "shstk",	7, 0, ECX, 7 },
	[X86_FEATURE_IBT]	= { "ibt",	7, 0, EDX, 20 },
};

static bool has[X86_NFEATURES];
static char vendor[13];

static uint32_t reg_of(struct cpuid_regs r, int reg)
{
	return reg == EAX ? r.eax : reg == EBX ? r.ebx : reg == ECX ? r.ecx : r.edx;
}

bool cpu_has(enum cpu_feature f)
{
	return has[f];
}

const char *cpu_vendor(void)
{
	return vendor;
}

static void detect(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max_basic = r.eax;
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);

	for (int f = 0; f < X86_NFEATURES; f++) {
		uint32_t leaf = features[f].leaf;
		if (leaf >= 0x80000000 ? leaf > max_ext : leaf > max_basic)
			continue;
		/* Leaf 0xD exists only when XSAVE does (CPUID.1:ECX.XSAVE). */
		if (leaf == 0xd && !has[X86_FEATURE_XSAVE])
			continue;
		has[f] = reg_of(cpuid(leaf, features[f].subleaf), features[f].reg) >> features[f].bit & 1;
	}
}

void cpu_init(void)
{
	detect();
	kprintf("cpu: %s, features:", vendor);
	for (int f = 0; f < X86_NFEATURES; f++)
		if (has[f])
			kprintf(" %s", features[f].name);
	kprintf("\n");

	/*
	 * SMEP: ring 0 may not execute user pages.  SMAP: ring 0 may not touch
	 * user pages except between STAC and CLAC (the user-copy routines).
	 * UMIP: ring 3 may not read the GDT/IDT/TSS addresses with SGDT & co.
	 */
	uint64_t cr4 = read_cr4(), want = 0;
	if (has[X86_FEATURE_SMEP])
		want |= CR4_SMEP;
	if (has[X86_FEATURE_SMAP])
		want |= CR4_SMAP;
	if (has[X86_FEATURE_UMIP])
		want |= CR4_UMIP;
	write_cr4(cr4 | want);
	kprintf("cpu: enabled%s%s%s\n", want & CR4_SMEP ? " smep" : "",
		want & CR4_SMAP ? " smap" : "", want & CR4_UMIP ? " umip" : "");

	/*
	 * CR0.AM: a program that sets RFLAGS.AC gets #AC for a misaligned
	 * access (SIGBUS), as on Linux.  Alignment is checked only at CPL 3
	 * (SDM vol. 3A 6.15, interrupt 17), so the kernel, which sets AC
	 * itself for SMAP (STAC), is never checked.
	 */
	write_cr0(read_cr0() | CR0_AM);
}
