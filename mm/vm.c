/*
 * Kernel page tables.  Three regions of the upper half, each in its own
 * PML4 slot so every address space can share them by copying those slots:
 *   PHYS_BASE    (slot 256)  all RAM, 2 MiB pages, read/write, no execute
 *   KSTACK_AREA  (slot 510)  kernel stacks, each with an unmapped guard page
 *   KERNEL_VMA   (slot 511)  the kernel image: text R-X, rodata R--, data RW-
 * The low half is left for user address spaces.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "cpu/x86.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "lib/printf.h"
#include "kernel/panic.h"

static uint64_t kernel_root;
static uint64_t nx_bit;

extern char _kernel_start[], _text_end[], _rodata_start[], _data_start[], _data_end[], _kernel_end[];
extern char boot_stack_guard[];

uint64_t vm_nx(void) { return nx_bit; }
uint64_t vm_kernel_root(void) { return kernel_root; }

/* Page-table entries the walkers below have read: the cost the vm tests bound. */
uint64_t vm_walk_steps;

/* The entry for va at the level whose pages are 1 << leaf_shift bytes. */
static uint64_t *walk(uint64_t root, uint64_t va, int leaf_shift, bool create)
{
	uint64_t *table = phys_to_virt(root);
	for (int shift = 39; shift > leaf_shift; shift -= 9) {
		uint64_t *e = &table[(va >> shift) & 511];
		vm_walk_steps++;
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			if (root == kernel_root && shift == 39 && kernel_root && va >= USER_TOP)
				panic("vm: kernel mapping %lx outside the shared PML4 slots", va);
			uint64_t pa = pmm_alloc_zeroed();
			if (!pa)
				return NULL;
			/* Intermediate entries allow everything; the leaf decides. */
			*e = pa | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		} else if (*e & PTE_PS) {
			return NULL;	/* a large page covers va: no table below */
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return &table[(va >> leaf_shift) & 511];
}

uint64_t *vm_walk(uint64_t root, uint64_t va, bool create)
{
	return walk(root, va, 12, create);
}

/* Only the active address space can have TLB entries (no PCIDs: a MOV to
 * CR3 drops every non-global one, SDM vol. 3A 4.10.4.1); the kernel's
 * shared upper half is active in all of them. */
void vm_flush(uint64_t root, uint64_t va)
{
	if (root == (read_cr3() & PTE_ADDR) || va >= USER_TOP)
		invlpg(va);
}

/* A PROT_NONE page keeps its frame but is not present: every access, the
 * kernel's included, faults.  So does a device's page, whatever protection
 * is asked for: its U and W bits only record what ENQCMD may do there
 * (traps/enqcmd.c), and no plain access ever reaches it. */
uint64_t vm_pte(uint64_t pa, uint64_t flags)
{
	if (flags & PTE_DEVICE)
		flags |= PTE_PROTNONE;
	return (pa & PTE_ADDR) | (flags & ~PTE_NX) | (flags & nx_bit) | (flags & PTE_PROTNONE ? 0 : PTE_P);
}

int vm_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = walk(root, va, 12, true);
	if (!pte)
		return -1;
	*pte = vm_pte(pa, flags);
	vm_flush(root, va);
	return 0;
}

uint64_t vm_unmap(uint64_t root, uint64_t va)
{
	uint64_t *pte = walk(root, va, 12, false);
	if (!pte || !*pte)
		return 0;
	uint64_t pa = *pte & PTE_ADDR;
	*pte = 0;
	vm_flush(root, va);
	return pa;
}

static bool table_empty(const uint64_t *table)
{
	for (int i = 0; i < 512; i++)
		if (table[i])
			return false;
	return true;
}

/*
 * One level of vm_walk_range: the entries of `table` (each covering
 * 1 << shift bytes) that overlap [va, end).  An entry that is not present
 * maps nothing below it, so it costs one read whatever it spans.
 */
static long walk_level(uint64_t root, uint64_t *table, int shift, uint64_t va, uint64_t end,
		       int flags, vm_pte_fn fn, void *arg)
{
	while (va < end) {
		uint64_t next = MIN(ALIGN_DOWN(va, 1ul << shift) + (1ul << shift), end);
		uint64_t *e = &table[(va >> shift) & 511];
		long r = 0;
		vm_walk_steps++;
		if (shift == 12) {
			if (*e)		/* present, or a kept PROT_NONE frame */
				r = fn(root, e, va, arg);
		} else if ((*e & (PTE_P | PTE_PS)) == PTE_P) {
			uint64_t *below = phys_to_virt(*e & PTE_ADDR);
			r = walk_level(root, below, shift - 9, va, next, flags, fn, arg);
			/* A table fn emptied goes back to the allocator.  Unhook it
			 * first, then INVLPG, which also drops every cached
			 * paging-structure entry (SDM vol. 3A 4.10.4.1), so the CPU
			 * can no longer walk through the freed page. */
			if ((flags & VM_WALK_PRUNE) && table_empty(below)) {
				*e = 0;
				vm_flush(root, va);
				pmm_free(virt_to_phys(below));
			}
		}
		if (r)
			return r;
		va = next;
	}
	return 0;
}

long vm_walk_range(uint64_t root, uint64_t va, uint64_t end, int flags, vm_pte_fn fn, void *arg)
{
	/* The upper half's tables are the kernel's, shared by every address
	 * space: no range operation may reach them, let alone free them. */
	if (end > USER_TOP || va > end)
		panic("vm_walk_range: [%lx, %lx) is not in the user half", va, end);
	return walk_level(root, phys_to_virt(root), 39, va, end, flags, fn, arg);
}

static void map_kernel_image(void)
{
	for (uint64_t va = (uint64_t)_kernel_start; va < (uint64_t)_kernel_end; va += PAGE_SIZE) {
		uint64_t flags;
		if (va < (uint64_t)_rodata_start)
			flags = 0;				/* text: read, execute */
		else if (va < (uint64_t)_data_start)
			flags = PTE_NX;				/* rodata */
		else if (va < ALIGN_UP((uint64_t)_data_end, PAGE_SIZE))
			flags = PTE_W | PTE_NX;			/* data, bss */
		else
			flags = PTE_NX;				/* symbol table */
		if (va == (uint64_t)boot_stack_guard)
			continue;
		if (vm_map(kernel_root, va, va - KERNEL_VMA, flags))
			panic("vm: out of memory mapping the kernel");
	}
}

static void map_direct(void)
{
	uint64_t end = ALIGN_UP(pmm_max_phys(), 2ul << 20);
	for (uint64_t pa = 0; pa < end; pa += 2ul << 20) {
		uint64_t *pde = walk(kernel_root, PHYS_BASE + pa, 21, true);
		if (!pde)
			panic("vm: out of memory building the direct map");
		*pde = pa | PTE_P | PTE_W | PTE_PS | nx_bit;
	}
}

/* Kernel stacks: slot i holds a guard page, then KSTACK_PAGES mapped pages.
 * 4096 slots (80 MiB of the 512 GiB PML4 slot): one per task, so this is
 * the most tasks there can be; a free slot is found a word of 64 at a time. */
#define KSTACK_SLOTS 4096

void vm_init(void)
{
	if (cpuid(0x80000001, 0).edx & (1u << 20)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		nx_bit = PTE_NX;
	}
	kernel_root = pmm_alloc_zeroed();
	/* Populate the three shared slots before any address space copies them. */
	static const uint64_t shared_slots[] = { PHYS_BASE, KSTACK_AREA, KERNEL_VMA };
	uint64_t *pml4 = phys_to_virt(kernel_root);
	for (size_t i = 0; i < ARRAY_SIZE(shared_slots); i++)
		pml4[(shared_slots[i] >> 39) & 511] = pmm_alloc_zeroed() | PTE_P | PTE_W;
	map_direct();
	map_kernel_image();
	/* Every kernel stack slot's page table, now: kstack_free unmaps a
	 * stack but keeps its tables, so building them all up front (40 pages
	 * for 4096 slots) keeps the free-page count the same before and after
	 * any number of tasks. */
	for (uint64_t va = KSTACK_AREA;
	     va < KSTACK_AREA + KSTACK_SLOTS * (KSTACK_PAGES + 1) * PAGE_SIZE;
	     va += 512 * PAGE_SIZE)
		if (!vm_walk(kernel_root, va, true))
			panic("vm: no memory for the kernel stacks' page tables");
	write_cr3(kernel_root);
	kprintf("vm: kernel page tables at %lx, direct map of %lu MiB, NX %s\n",
		kernel_root, pmm_max_phys() >> 20, nx_bit ? "on" : "unavailable");
}

static uint64_t slot_used[KSTACK_SLOTS / 64];

void *kstack_alloc(void)
{
	for (int w = 0; w < KSTACK_SLOTS / 64; w++) {
		if (slot_used[w] == ~0ull)
			continue;
		int i = w * 64 + __builtin_ctzll(~slot_used[w]);
		uint64_t base = KSTACK_AREA + (uint64_t)i * (KSTACK_PAGES + 1) * PAGE_SIZE;
		for (int p = 1; p <= KSTACK_PAGES; p++) {
			uint64_t pa = pmm_alloc_zeroed();
			if (!pa || vm_map(kernel_root, base + p * PAGE_SIZE, pa, PTE_W | PTE_NX)) {
				if (pa)
					pmm_free(pa);
				while (--p >= 1)
					pmm_free(vm_unmap(kernel_root, base + p * PAGE_SIZE));
				return NULL;
			}
		}
		slot_used[i / 64] |= 1ul << (i % 64);
		return (void *)(base + (KSTACK_PAGES + 1) * PAGE_SIZE);
	}
	return NULL;
}

void kstack_free(void *top)
{
	uint64_t base = (uint64_t)top - (KSTACK_PAGES + 1) * PAGE_SIZE;
	uint64_t i = (base - KSTACK_AREA) / ((KSTACK_PAGES + 1) * PAGE_SIZE);
	if (base < KSTACK_AREA || i >= KSTACK_SLOTS || !(slot_used[i / 64] >> (i % 64) & 1))
		panic("kstack_free: %p is not a kernel stack", top);
	for (int p = 1; p <= KSTACK_PAGES; p++)
		pmm_free(vm_unmap(kernel_root, base + p * PAGE_SIZE));
	slot_used[i / 64] &= ~(1ul << (i % 64));
}
