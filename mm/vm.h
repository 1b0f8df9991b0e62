/* Page tables: 4-level paging (SDM vol. 3A 5.5), mm/vm.c. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTE_P	(1ul << 0)
#define PTE_W	(1ul << 1)
#define PTE_U	(1ul << 2)
#define PTE_PWT	(1ul << 3)
#define PTE_PCD	(1ul << 4)
#define PTE_PS	(1ul << 7)
#define PTE_G	(1ul << 8)
#define PTE_PROTNONE (1ul << 9)	/* software: a PROT_NONE page, kept but not present */
#define PTE_DEVICE (1ul << 10)	/* software: a device's page, never present, not the process's to free */
#define PTE_PKEY_SHIFT 59
#define PTE_PKEY (0xful << PTE_PKEY_SHIFT)	/* protection key, when CR4.PKE is on */
#define PTE_NX	(1ul << 63)
#define PTE_ADDR 0x000ffffffffff000ul

void vm_init(void);
uint64_t vm_kernel_root(void);			/* physical address of the kernel PML4 */
int vm_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags);
uint64_t vm_unmap(uint64_t root, uint64_t va);	/* returns the old physical page, or 0 */
uint64_t *vm_walk(uint64_t root, uint64_t va, bool create); /* the 4 KiB PTE, or NULL */
uint64_t vm_nx(void);				/* PTE_NX if the CPU has NX, else 0 */
uint64_t vm_pte(uint64_t pa, uint64_t flags);	/* the leaf entry vm_map would write */
void vm_flush(uint64_t root, uint64_t va);	/* INVLPG, if root can be cached */

/*
 * The range walker: fn(root, pte, va, arg) for each 4 KiB entry of [va, end)
 * that holds something (present, or a PROT_NONE frame), in address order.
 * Upper-level entries that are not present are skipped whole, so the cost
 * follows what is mapped, not the length of the range.  fn may rewrite or
 * clear the entry (and flushes it); a non-zero return stops the walk and is
 * returned.  VM_WALK_PRUNE frees each page table that fn left empty.
 * User half only.
 */
typedef long (*vm_pte_fn)(uint64_t root, uint64_t *pte, uint64_t va, void *arg);
#define VM_WALK_PRUNE	1
long vm_walk_range(uint64_t root, uint64_t va, uint64_t end, int flags, vm_pte_fn fn, void *arg);
extern uint64_t vm_walk_steps;			/* entries read by every walk, for tests */

void *kstack_alloc(void);	/* returns the top; the page below the bottom is unmapped */
void kstack_free(void *top);

