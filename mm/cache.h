/*
 * Object caches (mm/cache.c), as Linux's kmem_cache: many objects of one
 * size and alignment, packed into slabs of a few contiguous pages, so an
 * object costs its own size and not the next power of two.  Each task's
 * extended-state buffer comes from one (fpu/switch.c).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct kcache_slab;

struct kcache {
	const char *name;
	size_t size;	     /* per object: the size asked for, rounded up to align */
	unsigned slab_pages; /* pages per slab, chosen for the least waste */
	unsigned per_slab;   /* objects per slab */
	struct kcache_slab *slabs;
	size_t in_use;
};

void kcache_init(struct kcache *c, const char *name, size_t size, size_t align);
void *kcache_alloc(struct kcache *c); /* aligned as asked; contents undefined */
void kcache_free(struct kcache *c, void *p);
size_t kcache_pages(const struct kcache *c); /* pages its slabs hold now */
