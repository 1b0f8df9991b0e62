/*
 * User address spaces (mm/uvm.c): every range operation costs what is
 * mapped, not what the range spans; emptied page tables go back to the
 * allocator; nothing is ever mapped below MMAP_MIN_ADDR.  Cost is counted
 * in page-table entries read (vm_walk_steps, which the single-address walk
 * counts too) and in timer ticks: a page-by-page loop reads at least one
 * entry per page, 2^26 of them for 256 GiB.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/time.h"
#include "mm/uvm.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "lib/printf.h"

#define GiB		(1ul << 30)
#define TiB		(1ul << 40)
#define DATA		(PTE_U | PTE_W | PTE_NX)
/* Entries a range walk may read: at most 512 in the PML4, and 512 in each
 * PDPT, PD and PT it enters for a path to a mapped page. */
#define WALK_BOUND(paths)	(512 + (paths) * 3 * 512)
#define TICK_BOUND	(HZ / 20)		/* 50 ms: "well under a second" */

static bool mapped(uint64_t root, uint64_t va)
{
	uint64_t *pte = vm_walk(root, va, false);
	return pte && *pte;
}

struct cost { uint64_t steps, ticks; };

static struct cost unmap_cost(uint64_t root, uint64_t va, uint64_t len)
{
	uint64_t steps = vm_walk_steps, ticks = timer_ticks();
	uvm_unmap(root, va, len / PAGE_SIZE);
	return (struct cost){ vm_walk_steps - steps, timer_ticks() - ticks };
}

static void uvm_munmap_cost_follows_mapped_pages(struct ktest *t)
{
	size_t before = pmm_free_count();
	uint64_t root = uvm_create();
	KASSERT(t, root != 0);
	/* An empty 256 GiB range with mapped pages on both sides, so the walk
	 * must enter the tables around it; one page inside the 110 TiB range
	 * below, one above it. */
	const uint64_t hole = 0x100000000000ul, mid = 0x500000000000ul, above = 0x7e0000000000ul;
	const uint64_t pages[] = { MMAP_MIN_ADDR, hole - PAGE_SIZE, hole + 256 * GiB, mid, above };
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		KASSERT_EQ(t, uvm_map_anon(root, pages[i], 1, DATA), 0);

	struct cost c = unmap_cost(root, hole, 256 * GiB);
	ktest_check(t, c.steps <= WALK_BOUND(1), __FILE__, __LINE__,
		    "munmap of an empty 256 GiB range read %lu page-table entries (bound %d)",
		    c.steps, WALK_BOUND(1));
	ktest_check(t, c.ticks <= TICK_BOUND, __FILE__, __LINE__,
		    "munmap of an empty 256 GiB range took %lu ms", c.ticks * 1000 / HZ);
	kprintf("    # %s: empty 256 GiB: %lu entries, %lu ticks\n", t->name, c.steps, c.ticks);
	if (t->failures)
		goto out;	/* page by page, 110 TiB would take an hour */
	KEXPECT(t, mapped(root, hole - PAGE_SIZE) && mapped(root, hole + 256 * GiB));

	c = unmap_cost(root, MMAP_MIN_ADDR, 110 * TiB);
	ktest_check(t, c.steps <= WALK_BOUND(4), __FILE__, __LINE__,
		    "munmap of 110 TiB read %lu page-table entries (bound %d)", c.steps, WALK_BOUND(4));
	KEXPECT(t, c.ticks <= TICK_BOUND);
	kprintf("    # %s: 110 TiB, 4 pages mapped: %lu entries, %lu ticks\n", t->name, c.steps, c.ticks);
	for (size_t i = 0; i < 4; i++)
		ktest_check(t, !mapped(root, pages[i]), __FILE__, __LINE__, "%lx is still mapped", pages[i]);
	KEXPECT(t, mapped(root, above));
out:
	uvm_destroy(root);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void uvm_emptied_tables_are_freed(struct ktest *t)
{
	size_t before = pmm_free_count();
	uint64_t root = uvm_create();
	KASSERT(t, root != 0);
	const uint64_t va = 0x200000000000ul;	/* a PML4 slot of its own */
	KASSERT_EQ(t, uvm_map_anon(root, va, 2, DATA), 0);
	KEXPECT_EQ(t, pmm_free_count(), before - 1 - 3 - 2);	/* root, PDPT PD PT, data */
	*(uint64_t *)phys_to_virt(*vm_walk(root, va + PAGE_SIZE, false) & PTE_ADDR) = 0x5eed;

	uvm_unmap(root, va, 1);			/* the table still holds va + 4096 */
	KEXPECT(t, !mapped(root, va));
	KASSERT(t, mapped(root, va + PAGE_SIZE));
	KEXPECT_EQ(t, *(uint64_t *)phys_to_virt(*vm_walk(root, va + PAGE_SIZE, false) & PTE_ADDR), 0x5eed);
	KEXPECT_EQ(t, pmm_free_count(), before - 1 - 3 - 1);

	uvm_unmap(root, va + PAGE_SIZE, 1);	/* now PT, PD and PDPT are empty */
	KEXPECT_EQ(t, pmm_free_count(), before - 1);
	KEXPECT_EQ(t, ((uint64_t *)phys_to_virt(root))[va >> 39], 0);

	uvm_destroy(root);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void uvm_range_ops_skip_holes(struct ktest *t)
{
	size_t before = pmm_free_count();
	uint64_t root = uvm_create(), steps;
	KASSERT(t, root != 0);
	const uint64_t low = MMAP_MIN_ADDR, high = USER_MMAP_TOP - PAGE_SIZE;
	KASSERT_EQ(t, uvm_map_anon(root, low, 1, DATA), 0);
	KASSERT_EQ(t, uvm_map_anon(root, high, 1, PTE_PROTNONE | PTE_NX), 0);	/* PROT_NONE counts */

	steps = vm_walk_steps;		/* first a range a page-by-page loop survives */
	KEXPECT_EQ(t, uvm_first_mapped(root, 4 * GiB, 256 * GiB / PAGE_SIZE), 0);
	if (!KEXPECT(t, vm_walk_steps - steps <= WALK_BOUND(1)))
		goto out;
	steps = vm_walk_steps;
	KEXPECT_EQ(t, uvm_first_mapped(root, low + PAGE_SIZE, (high + PAGE_SIZE - low) / PAGE_SIZE - 1), high);
	KEXPECT(t, vm_walk_steps - steps <= WALK_BOUND(2));

	/* mprotect of a range with a 127 TiB hole: -ENOMEM, found at once,
	 * and nothing changed (Kestrel's mprotect is all or nothing). */
	steps = vm_walk_steps;
	KEXPECT_EQ(t, uvm_protect(root, low, (high + PAGE_SIZE - low) / PAGE_SIZE, PTE_U | PTE_NX, -1), -ENOMEM);
	KEXPECT(t, vm_walk_steps - steps <= WALK_BOUND(2));
	KEXPECT(t, *vm_walk(root, low, false) & PTE_W);
	KEXPECT_EQ(t, uvm_protect(root, high, 1, PTE_U | PTE_NX, -1), 0);
	KEXPECT_EQ(t, *vm_walk(root, high, false) & (PTE_P | PTE_W | PTE_PROTNONE), PTE_P);

	/* mmap's search, top down: the page just below the highest one. */
	steps = vm_walk_steps;
	KEXPECT_EQ(t, uvm_find_free(root, 16, 4 * GiB), high - 16 * PAGE_SIZE);
	KEXPECT_EQ(t, uvm_find_free(root, 16, high - 8 * PAGE_SIZE), 0);
	KEXPECT(t, vm_walk_steps - steps <= WALK_BOUND(2));
out:
	uvm_destroy(root);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

/* Linux's vm.mmap_min_addr: with page 0 mappable, a kernel NULL pointer
 * (or a SYSCALL to a CSTAR of 0) would run on the user's bytes. */
static void uvm_nothing_below_mmap_min_addr(struct ktest *t)
{
	size_t before = pmm_free_count();
	uint64_t root = uvm_create();
	KASSERT(t, root != 0);
	KEXPECT_EQ(t, uvm_map_anon(root, 0, 1, DATA), -EPERM);
	KEXPECT_EQ(t, uvm_map_anon(root, MMAP_MIN_ADDR - PAGE_SIZE, 1, DATA), -EPERM);
	KEXPECT(t, !mapped(root, 0) && !mapped(root, MMAP_MIN_ADDR - PAGE_SIZE));
	KEXPECT_EQ(t, uvm_map_anon(root, MMAP_MIN_ADDR, 1, DATA), 0);
	KEXPECT_EQ(t, uvm_find_free_below(root, 1, 0, MMAP_MIN_ADDR + PAGE_SIZE), 0);
	uvm_destroy(root);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

KTEST_SUITE(uvm,
	KTEST_CASE(uvm_munmap_cost_follows_mapped_pages),
	KTEST_CASE(uvm_emptied_tables_are_freed),
	KTEST_CASE(uvm_range_ops_skip_holes),
	KTEST_CASE(uvm_nothing_below_mmap_min_addr));
