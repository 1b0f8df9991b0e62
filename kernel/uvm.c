/*
 * User address spaces.  Each process has its own PML4 whose upper half is
 * a copy of the kernel's (the same PDPTs, so kernel mappings are shared),
 * and whose lower half maps only that process's pages.  Memory is mapped
 * eagerly: every page a program can touch is allocated when mapped.
 */
#include "kernel.h"
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "x86.h"

uint64_t uvm_create(void)
{
	uint64_t root = pmm_alloc_zeroed();
	if (!root)
		return 0;
	uint64_t *dst = phys_to_virt(root), *src = phys_to_virt(vm_kernel_root());
	for (int i = 256; i < 512; i++)
		dst[i] = src[i];
	return root;
}

/* Free the tables and pages below `table` at the given level (3 = PML4). */
static void free_level(uint64_t *table, int level, int limit)
{
	for (int i = 0; i < limit; i++) {
		uint64_t e = table[i];
		if (!(e & (PTE_P | PTE_PROTNONE)))
			continue;
		if (level > 0)
			free_level(phys_to_virt(e & PTE_ADDR), level - 1, 512);
		if (!(level == 0 && (e & PTE_DEVICE)))
			pmm_free(e & PTE_ADDR);
	}
}

void uvm_destroy(uint64_t root)
{
	if ((read_cr3() & PTE_ADDR) == root)
		panic("uvm_destroy: address space %lx is in use", root);
	free_level(phys_to_virt(root), 3, 256);
	pmm_free(root);
}

void uvm_unmap(uint64_t root, uint64_t va, size_t npages)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t *pte = vm_walk(root, va + i * PAGE_SIZE, false);
		bool device = pte && (*pte & PTE_DEVICE);
		uint64_t pa = vm_unmap(root, va + i * PAGE_SIZE);
		if (pa && !device)
			pmm_free(pa);
	}
}

int uvm_map_anon(uint64_t root, uint64_t va, size_t npages, uint64_t flags)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t pa = pmm_alloc_zeroed();
		if (!pa || vm_map(root, va + i * PAGE_SIZE, pa, flags)) {
			if (pa)
				pmm_free(pa);
			uvm_unmap(root, va, i);
			return -ENOMEM;
		}
	}
	return 0;
}

int uvm_protect(uint64_t root, uint64_t va, size_t npages, uint64_t flags)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t *pte = vm_walk(root, va + i * PAGE_SIZE, false);
		if (!pte || !*pte)
			return -ENOMEM;	/* Linux: part of the range is not mapped */
	}
	/* A new protection keeps what is the page's, not the protection's: its
	 * protection key, and for a device page its caching and ownership. */
	for (size_t i = 0; i < npages; i++) {
		uint64_t old = *vm_walk(root, va + i * PAGE_SIZE, false);
		uint64_t keep = old & (PTE_PKEY | PTE_DEVICE | PTE_PCD | PTE_PWT);
		vm_map(root, va + i * PAGE_SIZE, old & PTE_ADDR, flags | keep);
	}
	return 0;
}

/* The lowest mapped page in the range, or 0 if none is. */
uint64_t uvm_first_mapped(uint64_t root, uint64_t va, size_t npages)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t *pte = vm_walk(root, va + i * PAGE_SIZE, false);
		if (pte && *pte)	/* present, or kept as PROT_NONE */
			return va + i * PAGE_SIZE;
	}
	return 0;
}

/*
 * Where mmap puts things: the highest free range of npages below
 * USER_MMAP_TOP and at or above floor, first fit, top down, so freed
 * ranges (and their page tables) are used again.  0 if there is none.
 */
uint64_t uvm_find_free(uint64_t root, size_t npages, uint64_t floor)
{
	uint64_t len = npages * PAGE_SIZE, va = USER_MMAP_TOP - len;
	for (uint64_t hit; (hit = uvm_first_mapped(root, va, npages)); va = hit - len)
		if (hit - len < floor || hit < len)
			return 0;
	return va;
}

/* Copy into another address space through the direct map (no CR3 switch). */
int uvm_copy_out(uint64_t root, uint64_t va, const void *src, size_t n)
{
	const uint8_t *s = src;
	while (n) {
		uint64_t *pte = vm_walk(root, va, false);
		if (!pte || !(*pte & PTE_P))
			return -EFAULT;
		size_t chunk = MIN(n, PAGE_SIZE - va % PAGE_SIZE);
		memcpy((uint8_t *)phys_to_virt(*pte & PTE_ADDR) + va % PAGE_SIZE, s, chunk);
		s += chunk, va += chunk, n -= chunk;
	}
	return 0;
}
