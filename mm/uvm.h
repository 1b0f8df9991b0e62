/* The user half of an address space (mm/uvm.c): map, unmap, protect, find room. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define USER_TASK_SIZE		0x00007ffffffff000ul	/* the last page below 2^47 stays unmapped */
/* The stack's top, 1 MiB below the end: the pages at the very top stay free
 * for a program that maps code there on purpose (Linux's sysret_rip test
 * moves a page to each of the last two below 2^47 with MREMAP_FIXED). */
#define USER_STACK_TOP 0x00007ffffff00000ul
#define USER_STACK_PAGES	32
#define USER_MMAP_TOP		0x00007f0000000000ul

/*
 * Release hooks, as Linux's mmu_notifier release: a driver that holds on
 * to address spaces (a device working in them by PASID) registers one, and
 * uvm_release runs each when a process's address space is about to go,
 * before any of its pages are freed.  The process is opaque to mm/.
 */
struct process;
typedef void (*uvm_release_fn)(struct process *p);
void uvm_on_release(uvm_release_fn fn);
void uvm_release(struct process *p);

uint64_t uvm_create(void);				/* a PML4 sharing the kernel half */
void uvm_destroy(uint64_t root);			/* frees every user page and table */
uint64_t uvm_fork(uint64_t src);			/* an eager copy of src's user half, or 0 */
int uvm_map_anon(uint64_t root, uint64_t va, size_t npages, uint64_t flags);
void uvm_unmap(uint64_t root, uint64_t va, size_t npages);
/* New protection flags for a mapped range, and its protection key (-1: each page keeps its own). */
int uvm_protect(uint64_t root, uint64_t va, size_t npages, uint64_t flags, int pkey);
uint64_t uvm_first_mapped(uint64_t root, uint64_t va, size_t npages);
uint64_t uvm_find_free(uint64_t root, size_t npages, uint64_t floor);
uint64_t uvm_find_free_below(uint64_t root, size_t npages, uint64_t floor, uint64_t top);
int uvm_copy_out(uint64_t root, uint64_t va, const void *src, size_t n);

