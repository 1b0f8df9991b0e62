/*
 * User address spaces.  Each process has its own PML4 whose upper half is
 * a copy of the kernel's (the same PDPTs, so kernel mappings are shared),
 * and whose lower half maps only that process's pages.  Memory is mapped
 * eagerly: every page a program can touch is allocated when mapped.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "cpu/x86.h"
#include "mm/uvm.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "lib/string.h"
#include "kernel/panic.h"
#include "mm/lookup.h"

#define UVM_RELEASE_HOOKS 4
static uvm_release_fn release_hooks[UVM_RELEASE_HOOKS];

void uvm_on_release(uvm_release_fn fn)
{
	for (int i = 0; i < UVM_RELEASE_HOOKS; i++)
		if (!release_hooks[i]) {
			release_hooks[i] = fn;
			return;
		}
	panic("uvm: more than %d release hooks", UVM_RELEASE_HOOKS);
}

void uvm_release(struct process *p)
{
	for (int i = 0; i < UVM_RELEASE_HOOKS && release_hooks[i]; i++)
		release_hooks[i](p);
}

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

/*
 * Every operation on a range of user pages goes through vm_walk_range, so
 * its cost follows the pages mapped, not the range's length: a munmap of
 * all 128 TiB of an almost empty address space reads a few hundred entries.
 */

/* A device's page (PTE_DEVICE) is not the process's to free. */
static long unmap_pte(uint64_t root, uint64_t *pte, uint64_t va, void *arg)
{
	(void)arg;
	uint64_t old = *pte;
	*pte = 0;
	vm_flush(root, va);
	if (!(old & PTE_DEVICE))
		pmm_free(old & PTE_ADDR);
	return 0;
}

/* Page tables left empty are freed too: a program that maps and unmaps
 * one page in each of many 2 MiB regions must not pile up tables. */
void uvm_unmap(uint64_t root, uint64_t va, size_t npages)
{
	vm_walk_range(root, va, va + npages * PAGE_SIZE, VM_WALK_PRUNE, unmap_pte, NULL);
}

void uvm_destroy(uint64_t root)
{
	if ((read_cr3() & PTE_ADDR) == root)
		panic("uvm_destroy: address space %lx is in use", root);
	vm_walk_range(root, 0, USER_TOP, VM_WALK_PRUNE, unmap_pte, NULL);
	pmm_free(root);
}

int uvm_map_anon(uint64_t root, uint64_t va, size_t npages, uint64_t flags)
{
	if (va < MMAP_MIN_ADDR)
		return -EPERM;	/* never page 0, nor anything below mmap_min_addr */
	for (size_t i = 0; i < npages; i++) {
		uint64_t pa = pmm_alloc_zeroed();
		if (!pa || vm_map(root, va + i * PAGE_SIZE, pa, flags)) {
			if (pa)
				pmm_free(pa);
			uvm_unmap(root, va, i + 1);	/* with any tables made for page i */
			return -ENOMEM;
		}
	}
	return 0;
}

/* Stops at the first hole: the entries come in address order. */
static long check_contiguous(uint64_t root, uint64_t *pte, uint64_t va, void *expect)
{
	(void)root, (void)pte;
	if (va != *(uint64_t *)expect)
		return -ENOMEM;
	*(uint64_t *)expect = va + PAGE_SIZE;
	return 0;
}

struct protection { uint64_t flags; int pkey; };

/* A new protection keeps what is the page's, not the protection's: for a
 * device page its caching and ownership, and its protection key unless a
 * new one is given (PTE bits 62:59, SDM vol. 3A 5.6.2). */
static long protect_pte(uint64_t root, uint64_t *pte, uint64_t va, void *arg)
{
	const struct protection *prot = arg;
	uint64_t old = *pte, keep = old & (PTE_PKEY | PTE_DEVICE | PTE_PCD | PTE_PWT);
	if (prot->pkey >= 0)
		keep = (keep & ~PTE_PKEY) | (uint64_t)prot->pkey << PTE_PKEY_SHIFT;
	*pte = vm_pte(old & PTE_ADDR, prot->flags | keep);
	vm_flush(root, va);
	return 0;
}

int uvm_protect(uint64_t root, uint64_t va, size_t npages, uint64_t flags, int pkey)
{
	uint64_t end = va + npages * PAGE_SIZE, expect = va;
	struct protection prot = { flags, pkey };
	/* Linux: -ENOMEM if part of the range is not mapped.  Kestrel then
	 * changes nothing (Linux may have changed the part before the hole). */
	if (vm_walk_range(root, va, end, 0, check_contiguous, &expect) || expect != end)
		return -ENOMEM;
	vm_walk_range(root, va, end, 0, protect_pte, &prot);
	return 0;
}

static long found(uint64_t root, uint64_t *pte, uint64_t va, void *where)
{
	(void)root, (void)pte;
	*(uint64_t *)where = va;
	return 1;
}

/* The lowest mapped page in the range (PROT_NONE pages count), or 0 if none is. */
uint64_t uvm_first_mapped(uint64_t root, uint64_t va, size_t npages)
{
	uint64_t where = 0;
	vm_walk_range(root, va, va + npages * PAGE_SIZE, 0, found, &where);
	return where;
}

/*
 * The highest free range of npages in [floor, top), first fit, top down,
 * so freed ranges (and their page tables) are used again.  0 if there is
 * none.  Each probe starts below the lowest page the last one hit, so the
 * probes never overlap and the search costs what is mapped above the hole.
 */
uint64_t uvm_find_free_below(uint64_t root, size_t npages, uint64_t floor, uint64_t top)
{
	uint64_t len = npages * PAGE_SIZE, va, hit;
	floor = MAX(floor, MMAP_MIN_ADDR);
	if (!npages || len > top || top - len < floor)
		return 0;
	for (va = top - len; (hit = uvm_first_mapped(root, va, npages)); va = hit - len)
		if (hit < floor + len)
			return 0;
	return va;
}

uint64_t uvm_find_free(uint64_t root, size_t npages, uint64_t floor)
{
	return uvm_find_free_below(root, npages, floor, USER_MMAP_TOP);
}

/*
 * fork's copy: every page of src, eagerly, with its own entry's bits (the
 * permissions, PROT_NONE, the protection key in bits 62:59) on a fresh
 * frame.  A device's page (PTE_DEVICE) is not copied: it is the device's,
 * and a binding to the device is not inherited (drivers/accel.c).
 */
static long copy_pte(uint64_t src, uint64_t *pte, uint64_t va, void *dst)
{
	(void)src;
	uint64_t old = *pte;
	if (old & PTE_DEVICE)
		return 0;
	uint64_t pa = pmm_alloc();
	uint64_t *to = pa ? vm_walk(*(uint64_t *)dst, va, true) : NULL;
	if (!to) {
		if (pa)
			pmm_free(pa);
		return -ENOMEM;
	}
	memcpy(phys_to_virt(pa), phys_to_virt(old & PTE_ADDR), PAGE_SIZE);
	*to = (old & ~PTE_ADDR) | pa;
	return 0;
}

uint64_t uvm_fork(uint64_t src)
{
	uint64_t root = uvm_create();
	if (root && vm_walk_range(src, 0, USER_TOP, 0, copy_pte, &root)) {
		uvm_destroy(root);
		return 0;
	}
	return root;
}

/* Copy into another address space through the direct map (no CR3 switch). */
int uvm_copy_out(uint64_t root, uint64_t va, const void *src, size_t n)
{
	const uint8_t *s = src;
	while (n) {
		struct uvm_page pg;
		if (uvm_lookup(root, va, UVM_KERNEL | UVM_WRITE, 0, &pg))
			return -EFAULT;
		size_t chunk = MIN(n, PAGE_SIZE - va % PAGE_SIZE);
		memcpy(pg.kva, s, chunk);
		s += chunk, va += chunk, n -= chunk;
	}
	return 0;
}
