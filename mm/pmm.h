/* Physical pages, by physical address (mm/pmm.c).  0 means "none". */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void pmm_init(void);
uint64_t pmm_alloc(void);			/* contents undefined */
uint64_t pmm_alloc_zeroed(void);
uint64_t pmm_alloc_contig(size_t npages);	/* zeroed */
void pmm_free(uint64_t pa);
void pmm_free_contig(uint64_t pa, size_t npages);
size_t pmm_free_count(void);
uint64_t pmm_max_phys(void);			/* end of the highest RAM region */
bool pmm_is_free(uint64_t pa);

