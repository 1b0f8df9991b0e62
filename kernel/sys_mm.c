/*
 * Memory system calls: brk, anonymous private mmap, munmap, mprotect.
 * Pages are allocated when mapped (no demand paging), so a successful
 * mmap has really taken the memory, and a failed one has taken none.
 */
#include "kernel.h"
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "traps/traps.h"

enum { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 };
enum { MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000 };
#define MAX_MAP_PAGES (64ul << 20 >> 12)	/* one mapping: at most 64 MiB */

static uint64_t prot_to_pte(uint64_t prot)
{
	/* x86 pages are always readable when present; a PROT_NONE page keeps
	 * its frame in a not-present PTE (kernel/vm.c). */
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_PROTNONE | PTE_NX;
	return (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? 0 : PTE_NX) | PTE_U;
}

/* -EINVAL for a malformed range, -ENOMEM for one outside the user's
 * address space (which ends a page below USER_TOP), 0 if usable: Linux's answers. */
static int check_range(uint64_t va, uint64_t len)
{
	if (va % PAGE_SIZE || !len)
		return -EINVAL;
	if (va + len < va || va + len > USER_TASK_SIZE)
		return -ENOMEM;
	return 0;
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

long sys_mmap(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint64_t addr = tf->rdi, len = ALIGN_UP(tf->rsi, PAGE_SIZE), prot = tf->rdx, flags = tf->r10;
	enum { MAP_SHARED = 0x01 };
	if (tf->rsi == 0 || len < tf->rsi || !(flags & (MAP_PRIVATE | MAP_SHARED)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;		/* Kestrel has no files to map */
	if (flags & MAP_SHARED)
		return -ENODEV;		/* nor shared memory */
	if (len / PAGE_SIZE > MAX_MAP_PAGES)
		return -ENOMEM;
	size_t n = len / PAGE_SIZE;

	if (flags & MAP_FIXED) {
		int err = check_range(addr, len);
		if (err)
			return err;
		uvm_unmap(p->root, addr, n);
	} else {
		addr = uvm_find_free(p->root, n, MMAP_FLOOR(p));
		if (!addr)
			return -ENOMEM;
	}
	if (uvm_map_anon(p->root, addr, n, prot_to_pte(prot)))
		return -ENOMEM;
	return (long)addr;
}

long sys_munmap(struct trap_frame *tf)
{
	uint64_t addr = tf->rdi, len = ALIGN_UP(tf->rsi, PAGE_SIZE);
	if (check_range(addr, len))
		return -EINVAL;
	uvm_unmap(current()->proc->root, addr, len / PAGE_SIZE);
	return 0;
}

long sys_mprotect(struct trap_frame *tf)
{
	uint64_t addr = tf->rdi, len = ALIGN_UP(tf->rsi, PAGE_SIZE);
	int err = check_range(addr, len);
	if (err || (tf->rdx & ~7ul))
		return err ? err : -EINVAL;
	uint64_t pte = prot_to_pte(tf->rdx);
	return uvm_protect(current()->proc->root, addr, len / PAGE_SIZE, pte);
}

long sys_madvise(struct trap_frame *tf)
{
	(void)tf;
	return 0;	/* advice only: ignoring it is allowed */
}
