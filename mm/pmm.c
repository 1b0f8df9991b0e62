/*
 * The physical page allocator: one bit per 4 KiB page (1 = in use), built
 * from the multiboot2 memory map.  A bitmap is the simplest structure that
 * can hand out contiguous runs and notice a double free.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "boot/multiboot.h"
#include "mm/pmm.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "kernel/panic.h"

#define MAX_PHYS	(4ul << 30)		/* Kestrel manages the first 4 GiB */
#define MAX_PAGES	(MAX_PHYS / PAGE_SIZE)

static uint64_t bitmap[MAX_PAGES / 64];
static size_t npages;		/* pages below the end of the highest RAM region */
static size_t nfree;
static size_t hint;		/* where the next search starts (next fit) */

extern char _kernel_start[], _kernel_end[];

static bool test_bit(size_t pfn) { return bitmap[pfn / 64] >> (pfn % 64) & 1; }
static void set_bit(size_t pfn) { bitmap[pfn / 64] |= 1ul << (pfn % 64); }
static void clear_bit(size_t pfn) { bitmap[pfn / 64] &= ~(1ul << (pfn % 64)); }

static void mark(uint64_t start, uint64_t end, bool used)
{
	for (size_t pfn = start / PAGE_SIZE; pfn < end / PAGE_SIZE && pfn < MAX_PAGES; pfn++) {
		if (used && !test_bit(pfn)) {
			set_bit(pfn);
			nfree--;
		} else if (!used && test_bit(pfn)) {
			clear_bit(pfn);
			nfree++;
		}
	}
}

void pmm_init(void)
{
	memset(bitmap, 0xff, sizeof(bitmap));
	for (int i = 0; i < boot_info.nregions; i++) {
		struct mb2_region *r = &boot_info.regions[i];
		if (r->type != 1)
			continue;
		uint64_t start = ALIGN_UP(r->base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(MIN(r->base + r->len, MAX_PHYS), PAGE_SIZE);
		if (start >= end)
			continue;
		mark(start, end, false);
		npages = MAX(npages, end / PAGE_SIZE);
	}
	/* Below 1 MiB: real-mode IVT, BIOS data, EBDA.  Page 0 also makes 0 mean "none". */
	mark(0, 1ul << 20, true);
	mark(virt_to_phys(_kernel_start), virt_to_phys(_kernel_end), true);
	mark(ALIGN_DOWN(boot_info.info_start, PAGE_SIZE), ALIGN_UP(boot_info.info_end, PAGE_SIZE), true);
	for (int i = 0; i < boot_info.nmodules; i++)
		mark(ALIGN_DOWN(boot_info.modules[i].start, PAGE_SIZE),
		     ALIGN_UP(boot_info.modules[i].end, PAGE_SIZE), true);
	kprintf("pmm: %lu MiB of RAM, %lu pages free\n", npages * PAGE_SIZE >> 20, nfree);
}

uint64_t pmm_alloc_contig(size_t n)
{
	if (n == 0 || n > npages)
		return 0;
	for (size_t scanned = 0; scanned < npages;) {
		size_t pfn = (hint + scanned) % npages;
		if (pfn + n > npages) {		/* would run off the end: wrap */
			scanned += npages - pfn;
			continue;
		}
		size_t run = 0;
		while (run < n && !test_bit(pfn + run))
			run++;
		if (run == n) {
			for (size_t i = 0; i < n; i++)
				set_bit(pfn + i);
			nfree -= n;
			hint = pfn + n;
			memset(phys_to_virt(pfn * PAGE_SIZE), 0, n * PAGE_SIZE);
			return pfn * PAGE_SIZE;
		}
		scanned += run + 1;
	}
	return 0;
}

uint64_t pmm_alloc(void)
{
	for (size_t i = 0; i < npages; i++) {
		size_t pfn = (hint + i) % npages;
		if (bitmap[pfn / 64] == ~0ul) {	/* skip full words quickly */
			i += 63 - pfn % 64;
			continue;
		}
		if (!test_bit(pfn)) {
			set_bit(pfn);
			nfree--;
			hint = pfn + 1;
			return pfn * PAGE_SIZE;
		}
	}
	return 0;
}

uint64_t pmm_alloc_zeroed(void)
{
	uint64_t pa = pmm_alloc();
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void pmm_free_contig(uint64_t pa, size_t n)
{
	if (pa % PAGE_SIZE || pa / PAGE_SIZE + n > npages)
		panic("pmm_free: bad address %lx", pa);
	for (size_t i = 0; i < n; i++) {
		size_t pfn = pa / PAGE_SIZE + i;
		if (!test_bit(pfn))
			panic("pmm_free: double free of page %lx", pfn * PAGE_SIZE);
		clear_bit(pfn);
	}
	nfree += n;
}

void pmm_free(uint64_t pa) { pmm_free_contig(pa, 1); }
size_t pmm_free_count(void) { return nfree; }
uint64_t pmm_max_phys(void) { return npages * PAGE_SIZE; }
bool pmm_is_free(uint64_t pa) { return !test_bit(pa / PAGE_SIZE); }
