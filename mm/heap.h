/* The kernel heap (mm/heap.c). */
#pragma once
#include <stddef.h>

void heap_init(void);
void *kmalloc(size_t size);	/* naturally aligned up to 2 KiB, page aligned above */
void *kzalloc(size_t size);
void kfree(void *p);
