/*
 * Memory system calls: brk, anonymous private mmap, munmap, mprotect.
 * Pages are allocated when mapped (no demand paging), so a successful
 * mmap has really taken the memory, and a failed one has taken none.
 */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "kernel/pkey.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "cpu/frame.h"
#include "mm/uvm.h"
#include "mm/vm.h"
#include "lib/string.h"

enum { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_SEM = 8,
       PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000 };
enum { MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_TYPE = 0x0f, MAP_FIXED = 0x10,
       MAP_ANONYMOUS = 0x20, MAP_32BIT = 0x40, MAP_FIXED_NOREPLACE = 0x100000 };
#define MAX_MAP_PAGES (64ul << 20 >> 12)	/* one mapping: at most 64 MiB */

/* Unknown PROT_ bits are ignored, as Linux's mmap ignores them on x86. */
static uint64_t prot_to_pte(uint64_t prot)
{
	/* x86 pages are always readable when present; a PROT_NONE page keeps
	 * its frame in a not-present PTE (mm/vm.c). */
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_PROTNONE | PTE_NX;
	return (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? 0 : PTE_NX) | PTE_U;
}

long sys_brk(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint64_t want = tf->rdi, old = ALIGN_UP(p->brk, PAGE_SIZE);
	if (want < p->brk_start || want > MMAP_FLOOR(p))
		return (long)p->brk;		/* Linux: an impossible brk returns the old one */
	uint64_t new = ALIGN_UP(want, PAGE_SIZE);
	if (new > old) {
		if (uvm_first_mapped(p->root, old, (new - old) / PAGE_SIZE) ||
		    uvm_map_anon(p->root, old, (new - old) / PAGE_SIZE, PTE_U | PTE_W | PTE_NX))
			return (long)p->brk;
	} else if (new < old) {
		uvm_unmap(p->root, new, (old - new) / PAGE_SIZE);
	}
	p->brk = want;
	return (long)p->brk;
}

/*
 * Where a new mapping goes, or -errno, in Linux's order of checks
 * (mm/mmap.c: do_mmap, get_unmapped_area, security_mmap_addr).  Nothing
 * is ever mapped below MMAP_MIN_ADDR: a MAP_FIXED there is -EPERM and a
 * hint there is not used, so a kernel NULL dereference can never land on
 * a page the user controls.
 */
static long place(struct process *p, uint64_t addr, uint64_t len, uint64_t flags)
{
	size_t n = len / PAGE_SIZE;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr > USER_TASK_SIZE - len)
			return -ENOMEM;
		if (addr % PAGE_SIZE)
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM;
		if (flags & MAP_FIXED_NOREPLACE)
			return uvm_first_mapped(p->root, addr, n) ? -EEXIST : (long)addr;
		uvm_unmap(p->root, addr, n);
		return (long)addr;
	}
	if (flags & MAP_32BIT)		/* x86-64: somewhere in the second GiB */
		addr = uvm_find_free_below(p->root, n, MAX(MMAP_FLOOR(p), 1ul << 30), 1ul << 31);
	else if ((addr = ALIGN_UP(addr, PAGE_SIZE)) >= MMAP_MIN_ADDR && addr <= USER_TASK_SIZE - len &&
		 !uvm_first_mapped(p->root, addr, n))
		;			/* the hint is free: take it, as Linux does */
	else
		addr = uvm_find_free(p->root, n, MMAP_FLOOR(p));
	return addr ? (long)addr : -ENOMEM;
}

long sys_mmap(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint64_t len = ALIGN_UP(tf->rsi, PAGE_SIZE), prot = tf->rdx, flags = tf->r10;
	if (tf->r9 % PAGE_SIZE)
		return -EINVAL;		/* the offset, even for anonymous memory */
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;		/* Kestrel has no files to map */
	if (tf->rsi == 0)
		return -EINVAL;
	if (len < tf->rsi || len > MAX_MAP_PAGES * PAGE_SIZE)
		return -ENOMEM;		/* rounding up wrapped, or more than one mapping may take */
	switch (flags & MAP_TYPE) {
	case MAP_PRIVATE:
		break;
	case MAP_SHARED:
	case MAP_SHARED | MAP_PRIVATE:	/* MAP_SHARED_VALIDATE */
		return -ENODEV;		/* no shared memory */
	default:
		return -EINVAL;
	}
	/* Other flags (MAP_POPULATE, MAP_NORESERVE, MAP_STACK, ...) change
	 * nothing here: every page is allocated when mapped. */
	long addr = place(p, tf->rdi, len, flags);
	if (addr < 0)
		return addr;
	if (uvm_map_anon(p->root, (uint64_t)addr, len / PAGE_SIZE, prot_to_pte(prot)))
		return -ENOMEM;
	return addr;
}

long sys_munmap(struct trap_frame *tf)
{
	uint64_t addr = tf->rdi, len = tf->rsi;
	/* Linux (do_vmi_munmap): -EINVAL for anything but a page-aligned,
	 * non-empty range of the user's address space.  Unmapping a hole is fine. */
	if (addr % PAGE_SIZE || addr > USER_TASK_SIZE || len > USER_TASK_SIZE - addr || !len)
		return -EINVAL;
	uvm_unmap(current()->proc->root, addr, ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE);
	return 0;
}

/* Linux's do_mprotect_pkey, in its order; PROT_SEM is accepted and means
 * nothing on x86.  No Kestrel mapping grows, so PROT_GROWSDOWN/UP on a
 * mapped page is -EINVAL.  pkey -1: each page keeps its key (mprotect). */
long do_mprotect_pkey(struct process *p, uint64_t addr, uint64_t len_in, uint64_t prot, int pkey)
{
	uint64_t len = ALIGN_UP(len_in, PAGE_SIZE);
	uint64_t grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || addr % PAGE_SIZE)
		return -EINVAL;
	if (!len_in)
		return 0;
	if (addr + len <= addr)
		return -ENOMEM;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	if (addr + len > USER_TASK_SIZE)
		return -ENOMEM;		/* nothing is mapped there */
	if (grows)
		return uvm_first_mapped(p->root, addr, 1) ? -EINVAL : -ENOMEM;
	return uvm_protect(p->root, addr, len / PAGE_SIZE, prot_to_pte(prot), pkey);
}

long sys_mprotect(struct trap_frame *tf)
{
	return do_mprotect_pkey(current()->proc, tf->rdi, tf->rsi, tf->rdx, -1);
}

/* The advice Linux knows for private anonymous memory (include/uapi/asm-generic/mman-common.h). */
enum { MADV_DONTNEED = 4, MADV_DONTNEED_LOCKED = 24 };
static bool advice_known(uint64_t advice)
{
	/* NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED, FREE, DONTFORK DOFORK,
	 * HUGEPAGE NOHUGEPAGE DONTDUMP DODUMP WIPEONFORK KEEPONFORK COLD
	 * PAGEOUT, DONTNEED_LOCKED.  REMOVE needs a file, MERGEABLE needs KSM,
	 * POPULATE_* are left out (Linux before 5.14). */
	static const uint32_t known = 0x1f | 1u << 8 | 3u << 10 | 0xff << 14 | 1u << 24;
	return advice < 32 && (known >> advice & 1);
}

struct survey { uint64_t expect; bool hole, device; };

static long survey_pte(uint64_t root, uint64_t *pte, uint64_t va, void *arg)
{
	struct survey *s = arg;
	(void)root;
	s->hole |= va != s->expect;
	s->device |= (*pte & PTE_DEVICE) != 0;
	s->expect = va + PAGE_SIZE;
	return 0;
}

/* MADV_DONTNEED on private anonymous memory: the next read finds zeroes. */
static long zero_pte(uint64_t root, uint64_t *pte, uint64_t va, void *arg)
{
	(void)root, (void)va, (void)arg;
	memset(phys_to_virt(*pte & PTE_ADDR), 0, PAGE_SIZE);
	return 0;
}

/*
 * Advice only, except MADV_DONTNEED (and _LOCKED), which Linux defines to
 * drop the pages: Kestrel zeroes them in place.  The checks are Linux's
 * (mm/madvise.c: do_madvise); a range with unmapped parts is -ENOMEM, after
 * the advice is applied to the mapped parts.
 */
long sys_madvise(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint64_t addr = tf->rdi, len = ALIGN_UP(tf->rsi, PAGE_SIZE), advice = tf->rdx;
	if (!advice_known(advice) || addr % PAGE_SIZE || (tf->rsi && !len) || addr + len < addr)
		return -EINVAL;
	if (!len)
		return 0;
	uint64_t end = MIN(addr + len, USER_TASK_SIZE);
	struct survey s = { addr, addr + len > USER_TASK_SIZE, false };
	if (addr < end)
		vm_walk_range(p->root, addr, end, 0, survey_pte, &s);
	s.hole |= s.expect < end;
	if (advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED) {
		if (s.device)
			return -EINVAL;	/* a device's page (VM_PFNMAP in Linux) */
		if (addr < end)
			vm_walk_range(p->root, addr, end, 0, zero_pte, NULL);
	}
	return s.hole ? -ENOMEM : 0;
}

/*
 * mremap: move or resize a mapping of anonymous pages (Linux's mm/mremap.c,
 * its common cases).  The frames move with their PTEs, protection and key,
 * so nothing is copied.  Kestrel keeps no list of mappings, so "a mapping"
 * is every page of [old, old + old_len) mapped (else -EFAULT); a device's
 * page (the accelerator's portal) does not move (-EINVAL).  Growing maps
 * fresh zeroed pages with the protection of the last old page.
 */
enum { MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2 };

static uint64_t *pte_of(uint64_t root, uint64_t va)
{
	uint64_t *pte = vm_walk(root, va, false);
	return pte && *pte ? pte : NULL;
}

/* Move n pages' PTEs from old to new (page tables for new already made). */
static void move_ptes(uint64_t root, uint64_t old, uint64_t new, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t *from = vm_walk(root, old + i * PAGE_SIZE, false);
		uint64_t *to = vm_walk(root, new + i *PAGE_SIZE, false);
		*to = *from;
		*from = 0;
		vm_flush(root, old + i * PAGE_SIZE);
	}
}

static long remap_to(uint64_t root, uint64_t old, size_t n_old, uint64_t new, size_t n_new,
		     uint64_t grow_flags)
{
	for (size_t i = 0; i < n_new; i++)
		if (!vm_walk(root, new + i *PAGE_SIZE, true))
			return -ENOMEM;
	size_t n = MIN(n_old, n_new);
	if (n_new > n && uvm_map_anon(root, new + n *PAGE_SIZE, n_new - n, grow_flags))
		return -ENOMEM;
	move_ptes(root, old, new, n);
	uvm_unmap(root, old, n_old); /* what did not move (a shrink's tail); the rest is empty */
	return (long)new;
}

long sys_mremap(struct trap_frame *tf)
{
	uint64_t old = tf->rdi, old_len = ALIGN_UP(tf->rsi, PAGE_SIZE),
		 new_len = ALIGN_UP(tf->rdx, PAGE_SIZE);
	uint64_t flags = tf->r10, new = tf->r8;
	uint64_t root = current()->proc->root;
	if (old % PAGE_SIZE || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || !new_len || !old_len ||
	    tf->rsi > USER_TASK_SIZE || tf->rdx > MAX_MAP_PAGES * PAGE_SIZE)
		return -EINVAL; /* old_len 0 duplicates a shared mapping: Kestrel has none */
	if (old >= USER_TASK_SIZE || old_len > USER_TASK_SIZE - old)
		return -EFAULT;
	uint64_t last = 0;
	for (uint64_t va = old; va < old + old_len; va += PAGE_SIZE) {
		uint64_t *pte = pte_of(root, va);
		if (!pte)
			return -EFAULT;
		if (*pte & PTE_DEVICE)
			return -EINVAL;
		last = *pte;
	}
	/* The protection and key of the last page, for the pages a grow adds. */
	uint64_t grow = last & (PTE_W | PTE_U | PTE_NX | PTE_PROTNONE | (0xful << PTE_PKEY_SHIFT));
	size_t n_old = old_len / PAGE_SIZE, n_new = new_len / PAGE_SIZE;
	if (flags & MREMAP_FIXED) {
		if (new % PAGE_SIZE || new < MMAP_MIN_ADDR || new > USER_TASK_SIZE - new_len ||
		    (new < old + old_len &&old < new + new_len))
			return -EINVAL;
		uvm_unmap(root, new, n_new);
		return remap_to(root, old, n_old, new, n_new, grow);
	}
	if (n_new <= n_old) {
		uvm_unmap(root, old + new_len, n_old - n_new);
		return (long)old;
	}
	if (old + new_len <= USER_TASK_SIZE &&
	    !uvm_first_mapped(root, old + old_len, n_new - n_old))
		return uvm_map_anon(root, old + old_len, n_new - n_old, grow) ? -ENOMEM : (long)old;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t to = uvm_find_free(root, n_new, MMAP_FLOOR(current()->proc));
	return to ? remap_to(root, old, n_old, to, n_new, grow) : -ENOMEM;
}
