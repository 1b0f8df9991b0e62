/* User processes: address spaces, spawning, exiting and waiting. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "kernel/task.h"

#define USER_TASK_SIZE		0x00007ffffffff000ul	/* the last page below 2^47 stays unmapped */
#define USER_STACK_TOP		USER_TASK_SIZE
#define USER_STACK_PAGES	32
#define USER_MMAP_TOP		0x00007f0000000000ul

/* Linux's wait status encoding, which musl's WIFEXITED & co. decode. */
#define W_EXITCODE(code)	(((code) & 0xff) << 8)
#define W_SIGNALED(sig)		((sig) & 0x7f)
enum { SIGTRAP = 5, SIGILL = 4, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGBUS = 7 };

/* mm/uvm.c: the user half of an address space. */
uint64_t uvm_create(void);				/* a PML4 sharing the kernel half */
void uvm_destroy(uint64_t root);			/* frees every user page and table */
int uvm_map_anon(uint64_t root, uint64_t va, size_t npages, uint64_t flags);
void uvm_unmap(uint64_t root, uint64_t va, size_t npages);
int uvm_protect(uint64_t root, uint64_t va, size_t npages, uint64_t flags);
uint64_t uvm_first_mapped(uint64_t root, uint64_t va, size_t npages);
uint64_t uvm_find_free(uint64_t root, size_t npages, uint64_t floor);
uint64_t uvm_find_free_below(uint64_t root, size_t npages, uint64_t floor, uint64_t top);
#define MMAP_FLOOR(p)		((p)->brk_start + (1ul << 30))	/* brk may grow 1 GiB */
int uvm_copy_out(uint64_t root, uint64_t va, const void *src, size_t n);

/* kernel/exec.c: load a program into a fresh process. */
struct program { const char *name; const void *image; size_t size; };
const struct program *program_find(const char *name);
const struct program *program_at(int i);		/* NULL past the last */
long exec_load(struct process *p, const struct program *prog, char *const argv[],
	       char *const envp[], uint64_t *entry, uint64_t *sp);

/* kernel/process.c */
long process_spawn(const char *name, char *const argv[], char *const envp[]);
void process_thread_exit(struct task *t, int code);
void process_kill(struct process *p, int status);	/* status: wait4 encoding */
long process_wait(int pid, int *status, int options);
__attribute__((noreturn)) void process_fault(struct trap_frame *tf, int signal, const char *why);

/* kernel/sys_pkey.c */
int pkey_of(struct process *p, uint64_t va);

/* kernel/futex.c */
long futex_wait(struct process *p, uint64_t uaddr, uint32_t val, uint64_t timeout_ticks);
int futex_wake_addr(struct process *p, uint64_t uaddr, int n);
long futex_requeue(struct process *p, uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
		   const uint32_t *expect);
