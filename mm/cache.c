/*
 * Object caches: a slab is 1 to 8 contiguous pages cut into equal objects;
 * the number of pages is the one that wastes least of them (a 2,752-byte
 * object: 10 in 7 pages, 4% lost, where kmalloc would give each a whole
 * 4 KiB page).  Free objects are chained through their first word.  A slab
 * whose objects are all free goes back to the page allocator at once, so
 * a cache holds only what is in use.  Slab records are few (one per slab)
 * and found by a walk of the list.
 */
#include "kernel/kernel.h"
#include "mm/cache.h"
#include "mm/heap.h"
#include "mm/pmm.h"

#define MAX_SLAB_PAGES 8

struct free_obj {
	struct free_obj *next;
};

struct kcache_slab {
	struct kcache_slab *next;
	uint8_t *base;
	struct free_obj *free;
	unsigned in_use;
};

void kcache_init(struct kcache *c, const char *name, size_t size, size_t align)
{
	BUG_ON(align == 0 || (align & (align - 1)) || align > PAGE_SIZE);
	size = ALIGN_UP(MAX(size, sizeof(struct free_obj)), align);
	BUG_ON(size > MAX_SLAB_PAGES * PAGE_SIZE);
	unsigned best = 0;
	size_t best_waste = SIZE_MAX;
	for (unsigned n = 1; n <= MAX_SLAB_PAGES; n++) {
		size_t bytes = n * PAGE_SIZE, waste = bytes % size;
		/* Compare waste per object: best_waste / best vs waste / n. */
		if (bytes >= size && (best == 0 || waste * best < best_waste * n)) {
			best = n;
			best_waste = waste;
		}
	}
	*c = (struct kcache){ .name = name,
			      .size = size,
			      .slab_pages = best,
			      .per_slab = (unsigned)(best * PAGE_SIZE / size) };
}

static struct kcache_slab *grow(struct kcache *c)
{
	struct kcache_slab *s = kmalloc(sizeof(*s));
	uint64_t pa = s ? pmm_alloc_contig(c->slab_pages) : 0;
	if (!pa) {
		kfree(s);
		return NULL;
	}
	*s = (struct kcache_slab){ .next = c->slabs, .base = phys_to_virt(pa) };
	for (unsigned i = c->per_slab; i-- > 0;) {
		struct free_obj *o = (struct free_obj *)(s->base + i * c->size);
		o->next = s->free;
		s->free = o;
	}
	c->slabs = s;
	return s;
}

void *kcache_alloc(struct kcache *c)
{
	struct kcache_slab *s = c->slabs;
	while (s && !s->free)
		s = s->next;
	if (!s && !(s = grow(c)))
		return NULL;
	struct free_obj *o = s->free;
	s->free = o->next;
	s->in_use++;
	c->in_use++;
	return o;
}

void kcache_free(struct kcache *c, void *p)
{
	if (!p)
		return;
	struct kcache_slab **pp = &c->slabs, *s;
	while ((s = *pp) &&
	       !((uint8_t *)p >= s->base && (uint8_t *)p < s->base + c->slab_pages * PAGE_SIZE))
		pp = &s->next;
	if (!s || ((uint8_t *)p - s->base) % c->size ||
	    (size_t)((uint8_t *)p - s->base) / c->size >= c->per_slab)
		panic("kcache_free(%s): %p is not one of its objects", c->name, p);
	struct free_obj *o = p;
	o->next = s->free;
	s->free = o;
	c->in_use--;
	if (--s->in_use == 0) {
		*pp = s->next;
		pmm_free_contig(virt_to_phys(s->base), c->slab_pages);
		kfree(s);
	}
}

size_t kcache_pages(const struct kcache *c)
{
	size_t n = 0;
	for (const struct kcache_slab *s = c->slabs; s; s = s->next)
		n += c->slab_pages;
	return n;
}
