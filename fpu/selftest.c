/*
 * Boot-time checks of architectural behaviour Kestrel relies on, run
 * before a feature is enabled.  A CPU (or an emulator) that gets one wrong
 * loses the feature, with the reason on the console, rather than letting a
 * user reset the machine or silently lose state.  What is tested is the
 * behaviour itself, never a vendor or model name.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "cpu/x86.h"
#include "cpu/extable.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "lib/string.h"

#define TEST_KEY 15

/*
 * Protection keys apply to user-mode addresses only (SDM vol. 3A 4.6.2:
 * "a linear address is a user-mode address if U/S = 1 in every
 * paging-structure entry"); PTE bits 62:59 of a supervisor page are not a
 * PKRU key.  A CPU that applies PKRU.WD to supervisor pages anyway lets
 * ring 3 write-disable the key of the kernel's own stack with WRPKRU, an
 * unprivileged instruction: the next interrupt cannot push its frame, and
 * the #PF, then #DF, cannot either: a triple fault, the machine resets.
 * No kernel-side workaround survives that (docs/extended-state.md 3.10),
 * so such a CPU does not get PKU.
 *
 * The test tags one page of a fresh kernel stack (a supervisor page) with
 * key 15, write-disables key 15 and stores to it under an extable entry.
 * Returns NULL if the store went through, else why PKU is refused.
 */
const char *pku_selftest(void)
{
	const char *why = NULL;
	char *top = kstack_alloc();
	if (!top)
		return "no memory for the test page";
	uint64_t va = (uint64_t)top - PAGE_SIZE;
	uint64_t *pte = vm_walk(vm_kernel_root(), va, false);
	uint64_t saved = *pte;
	*pte = (saved & ~PTE_PKEY) | ((uint64_t)TEST_KEY << 59);
	invlpg(va);
	write_cr4(read_cr4() | CR4_PKE);
	wrpkru(2u << (2 * TEST_KEY));		/* WD for key 15 only */
	int faulted = 1;
	asm volatile("1: movq $0, (%[p])\n"
		     "   xorl %[f], %[f]\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : [f] "+r"(faulted) : [p] "r"(va) : "memory");
	wrpkru(0);
	write_cr4(read_cr4() & ~CR4_PKE);
	*pte = saved;
	invlpg(va);
	kstack_free(top);
	if (faulted)
		why = "PKRU write-disable applies to supervisor pages (SDM vol. 3A 4.6.2: user-mode "
		      "addresses only), so a user's WRPKRU could triple-fault the machine";
	return why;
}

/* LDTILECFG's 64-byte operand (SDM vol. 1 18.2, palette 1). */
struct tilecfg {
	uint8_t palette, start_row, reserved[14];
	uint16_t colsb[16];
	uint8_t rows[16];
} __attribute__((packed, aligned(64)));

#define TILE_ROWS 16
#define TILE_COLSB 64

static bool tilestore0(void *out)
{
	int faulted = 1;
	asm volatile("1: tilestored %%tmm0, (%[p],%[s],1)\n"
		     "   xorl %[f], %[f]\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : [f] "+r"(faulted) : [p] "r"(out), [s] "r"((uint64_t)TILE_COLSB) : "memory");
	return !faulted;
}

/*
 * AMX state must survive XSAVE and XRSTOR like any other component: with
 * tmm0 configured (16 rows of 64 bytes) and loaded with a pattern, the
 * save must mark both components in use (XSTATE_BV[17], [18]) and write
 * the configuration and the data where the layout says (SDM vol. 1
 * 13.5.10, 13.4), and the restore must bring back a configuration under
 * which TILESTORED writes the same bytes.  Run with AMX in XCR0 and the
 * layout computed, before any task exists.  Returns NULL, or what failed.
 */
const char *amx_selftest(void)
{
	static struct tilecfg cfg = { .palette = 1, .colsb = { TILE_COLSB }, .rows = { TILE_ROWS } };
	static uint8_t data[TILE_ROWS * TILE_COLSB] __attribute__((aligned(64)));
	static uint8_t back[TILE_ROWS * TILE_COLSB] __attribute__((aligned(64)));
	const char *why = NULL;
	uint8_t *buf = kzalloc(fpu_cfg.size);

	if (!buf)
		return "no memory for the test buffer";
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);		/* never 0: rows must not read as init */
	memset(back, 0, sizeof(back));
	asm volatile("ldtilecfg %0" :: "m"(cfg));
	asm volatile("tileloadd (%0,%1,1), %%tmm0" :: "r"(data), "r"((uint64_t)TILE_COLSB) : "memory");
	xsave_to(buf, ~0ull);
	uint64_t bv = xregs(buf)->header.xfeatures;
	asm volatile("tilerelease");
	const uint8_t *saved_cfg = buf + fpu_cfg.offset[XFEATURE_XTILE_CFG];
	const uint8_t *saved_data = buf + fpu_cfg.offset[XFEATURE_XTILE_DATA];
	if (!(bv >> XFEATURE_XTILE_CFG & 1))
		why = "XSAVE left XSTATE_BV[17] clear with tiles configured";
	else if (!(bv >> XFEATURE_XTILE_DATA & 1))
		why = "XSAVE left XSTATE_BV[18] clear with tile data in use: the data would be lost";
	else if (memcmp(saved_cfg, &cfg, sizeof(cfg)) != 0)
		why = "XSAVE wrote a tile configuration that differs from the one loaded";
	else if (memcmp(saved_data, data, sizeof(data)) != 0)
		why = "XSAVE wrote tile data that differs from the rows loaded";
	else if (xrstor_from(buf, ~0ull))
		why = "XRSTOR faulted on the image XSAVE wrote";
	else if (!tilestore0(back))
		why = "after XRSTOR the tiles are not configured (TILESTORED faults)";
	else if (memcmp(back, data, sizeof(data)) != 0)
		why = "after XRSTOR tmm0 does not hold the rows saved";
	asm volatile("tilerelease");
	kfree(buf);
	return why;
}
