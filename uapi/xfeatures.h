/*
 * The XSAVE state components by number (SDM vol. 1 13.1, Table 13-1): a
 * short name for tables (user/fpustat.c), and the words Linux's
 * xfeature_names[] uses in its "x86/fpu: Supporting XSAVE feature" lines,
 * which the kernel and tools/xstate-layout print the same way.  The one
 * table of names: fpu/layout.c:xfeature_name reads it, and so does every
 * program that names a component.
 */
#ifndef UAPI_XFEATURES_H
#define UAPI_XFEATURES_H

#define XFEATURE_LIST(X) \
	X(0, "x87", "x87 floating point registers") \
	X(1, "SSE", "SSE registers") \
	X(2, "AVX", "AVX registers") \
	X(3, "MPX-BNDREGS", "MPX bounds registers") \
	X(4, "MPX-BNDCSR", "MPX CSR") \
	X(5, "AVX512-opmask", "AVX-512 opmask") \
	X(6, "AVX512-ZMM_Hi256", "AVX-512 Hi256") \
	X(7, "AVX512-Hi16_ZMM", "AVX-512 ZMM_Hi256") \
	X(8, "PT", "Processor Trace (unused)") \
	X(9, "PKRU", "Protection Keys User registers") \
	X(10, "PASID", "PASID state") \
	X(11, "CET-U", "Control-flow User registers") \
	X(12, "CET-S", "Control-flow Kernel registers (KVM only)") \
	X(13, "HDC", "unknown xstate feature") \
	X(14, "UINTR", "unknown xstate feature") \
	X(15, "LBR", "unknown xstate feature") \
	X(16, "HWP", "unknown xstate feature") \
	X(17, "AMX-TILECFG", "AMX Tile config") \
	X(18, "AMX-TILEDATA", "AMX Tile data") \
	X(19, "APX", "APX registers")

#endif
