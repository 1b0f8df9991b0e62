/*
 * Object caches (mm/cache.c): objects aligned as asked and disjoint, the
 * pages they take close to their size (not a power of two each), and every
 * page back when every object is freed.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/cache.h"
#include "mm/pmm.h"
#include "lib/string.h"

#define N 40

static void cache_packs_aligned_objects(struct ktest *t)
{
	/* The sizes of a task's XSAVE buffer on the rows: tcg-max's, and
	 * bochs-spr's with amx (AMX tile data makes it 10 KiB). */
	static const size_t sizes[] = { 2720, 10752, 576 };
	static void *obj[N];
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct kcache c;
		size_t before = pmm_free_count();
		kcache_init(&c, "test", sizes[k], 64);
		for (int i = 0; i < N; i++) {
			obj[i] = kcache_alloc(&c);
			KASSERT(t, obj[i] != NULL);
			KEXPECT_EQ(t, (uint64_t)obj[i] % 64, 0);
			memset(obj[i], i, sizes[k]); /* each is wholly its own */
		}
		for (int i = 0; i < N; i++)
			KEXPECT_EQ(t, ((uint8_t *)obj[i])[sizes[k] - 1], i);
		/* Within 15% of the bytes asked for, plus one slab's rounding. */
		size_t used = kcache_pages(&c) * PAGE_SIZE;
		KEXPECT(t, used <= N * sizes[k] * 115 / 100 + c.slab_pages * PAGE_SIZE);
		/* kmalloc would give each a whole number of pages. */
		if (sizes[k] > PAGE_SIZE / 2)
			KEXPECT(t, used < N * ALIGN_UP(sizes[k], PAGE_SIZE));
		for (int i = 0; i < N; i += 2) /* out of order */
			kcache_free(&c, obj[i]);
		for (int i = 1; i < N; i += 2)
			kcache_free(&c, obj[i]);
		KEXPECT_EQ(t, c.in_use, 0);
		KEXPECT_EQ(t, kcache_pages(&c), 0);
		KEXPECT_EQ(t, pmm_free_count(), before);
	}
}

KTEST_SUITE(cache, KTEST_CASE(cache_packs_aligned_objects));
