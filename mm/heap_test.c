#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "lib/string.h"

static void heap_small_blocks_are_naturally_aligned(struct ktest *t)
{
	for (size_t size = 1; size <= 2048; size = size * 2 + 1) {
		void *p = kmalloc(size);
		KASSERT(t, p != NULL);
		size_t align = 16;
		while (align < size)
			align *= 2;
		KEXPECT_EQ(t, (uint64_t)p % align, 0);
		kfree(p);
	}
}

static void heap_blocks_do_not_overlap(struct ktest *t)
{
	enum { N = 200 };
	static uint8_t *blocks[N];
	for (int i = 0; i < N; i++) {
		blocks[i] = kmalloc(24 + i % 100);
		KASSERT(t, blocks[i] != NULL);
		memset(blocks[i], i, 24 + i % 100);
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < 24 + i % 100; j++)
			if (!KEXPECT_EQ(t, blocks[i][j], (uint8_t)i))
				break;
	for (int i = 0; i < N; i++)
		kfree(blocks[i]);
}

static void heap_large_blocks_are_pages(struct ktest *t)
{
	size_t before = pmm_free_count();
	uint8_t *p = kmalloc(3 * PAGE_SIZE + 1);
	KASSERT(t, p != NULL);
	KEXPECT_EQ(t, (uint64_t)p % PAGE_SIZE, 0);
	KEXPECT_EQ(t, pmm_free_count(), before - 4);
	p[4 * PAGE_SIZE - 1] = 1;
	kfree(p);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void heap_kzalloc_zeroes(struct ktest *t)
{
	uint8_t *p = kmalloc(512);
	KASSERT(t, p != NULL);
	memset(p, 0xaa, 512);
	kfree(p);
	p = kzalloc(512);	/* likely the same block: must come back zeroed */
	KASSERT(t, p != NULL);
	for (int i = 0; i < 512; i++)
		if (!KEXPECT_EQ(t, p[i], 0))
			break;
	kfree(p);
}

/* Freed pages go back to the page allocator: no slow leak across a loop. */
static void heap_returns_pages(struct ktest *t)
{
	size_t before = pmm_free_count();
	for (int round = 0; round < 3; round++) {
		static void *p[300];
		for (int i = 0; i < 300; i++)
			p[i] = kmalloc(64 << (i % 5));
		for (int i = 0; i < 300; i++)
			kfree(p[i]);
	}
	KEXPECT_EQ(t, pmm_free_count(), before);
	KEXPECT(t, kmalloc(0) == NULL);
}

KTEST_SUITE(heap,
	KTEST_CASE(heap_small_blocks_are_naturally_aligned),
	KTEST_CASE(heap_blocks_do_not_overlap),
	KTEST_CASE(heap_large_blocks_are_pages),
	KTEST_CASE(heap_kzalloc_zeroes),
	KTEST_CASE(heap_returns_pages));
