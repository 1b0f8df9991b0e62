/*
 * kmalloc/kfree.  Small sizes (16 B to 2 KiB, powers of two) are carved
 * from pages dedicated to one size, so every block is naturally aligned
 * (a 64-byte request is 64-byte aligned, as XSAVE buffers need).  Larger
 * requests take whole contiguous pages.  A per-page record, indexed by
 * physical page number as Linux's struct page is, tells kfree which case a
 * pointer is, and lets a page go back to the page allocator once all its
 * blocks are free.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "kernel/panic.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct page_info {
	uint8_t kind;		/* PAGE_OTHER, PAGE_SMALL or PAGE_LARGE */
	uint8_t shift;		/* PAGE_SMALL: block size is 1 << shift */
	uint16_t in_use;	/* PAGE_SMALL: blocks handed out */
	uint32_t npages;	/* PAGE_LARGE: length of the run */
};
enum { PAGE_OTHER, PAGE_SMALL, PAGE_LARGE };

struct free_block { struct free_block *next; };

static struct page_info *pages;
static struct free_block *free_lists[NCLASSES];

void heap_init(void)
{
	size_t n = pmm_max_phys() / PAGE_SIZE;
	size_t bytes = ALIGN_UP(n * sizeof(struct page_info), PAGE_SIZE);
	uint64_t pa = pmm_alloc_contig(bytes / PAGE_SIZE);
	if (!pa)
		panic("heap: no memory for page records");
	pages = phys_to_virt(pa);
	kprintf("heap: %lu KiB of page records\n", bytes >> 10);
}

static struct page_info *info_of(const void *p)
{
	return &pages[virt_to_phys(p) / PAGE_SIZE];
}

static void *alloc_large(size_t size)
{
	size_t n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = pmm_alloc_contig(n);
	if (!pa)
		return NULL;
	void *p = phys_to_virt(pa);
	*info_of(p) = (struct page_info){ .kind = PAGE_LARGE, .npages = (uint32_t)n };
	return p;
}

static bool refill(int c)
{
	uint64_t pa = pmm_alloc();
	if (!pa)
		return false;
	char *page = phys_to_virt(pa);
	size_t size = 1ul << (c + MIN_SHIFT);
	*info_of(page) = (struct page_info){ .kind = PAGE_SMALL, .shift = (uint8_t)(c + MIN_SHIFT) };
	for (size_t off = 0; off < PAGE_SIZE; off += size) {
		struct free_block *b = (struct free_block *)(page + off);
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		return NULL;
	if (size > (1ul << MAX_SHIFT))
		return alloc_large(size);
	int c = 0;
	while ((1ul << (c + MIN_SHIFT)) < size)
		c++;
	if (!free_lists[c] && !refill(c))
		return NULL;
	struct free_block *b = free_lists[c];
	free_lists[c] = b->next;
	info_of(b)->in_use++;
	return b;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

/* All blocks of this page are free: unlink them and return the page. */
static void release_page(int c, char *page)
{
	for (struct free_block **pp = &free_lists[c]; *pp;) {
		if ((char *)*pp >= page && (char *)*pp < page + PAGE_SIZE)
			*pp = (*pp)->next;
		else
			pp = &(*pp)->next;
	}
	info_of(page)->kind = PAGE_OTHER;
	pmm_free(virt_to_phys(page));
}

void kfree(void *p)
{
	if (!p)
		return;
	uint64_t pa = virt_to_phys(p);
	if ((uint64_t)p < PHYS_BASE || (uint64_t)p >= KSTACK_AREA || pa >= pmm_max_phys())
		panic("kfree: %p was not allocated by kmalloc", p);
	struct page_info *pi = info_of(p);
	if (pi->kind == PAGE_LARGE && pa % PAGE_SIZE == 0) {
		pi->kind = PAGE_OTHER;
		pmm_free_contig(pa, pi->npages);
		return;
	}
	if (pi->kind != PAGE_SMALL || pa % (1ul << pi->shift) || pi->in_use == 0)
		panic("kfree: %p was not allocated by kmalloc (or freed twice)", p);
	int c = pi->shift - MIN_SHIFT;
	struct free_block *b = p;
	b->next = free_lists[c];
	free_lists[c] = b;
	if (--pi->in_use == 0)
		release_page(c, (char *)ALIGN_DOWN((uint64_t)p, PAGE_SIZE));
}
