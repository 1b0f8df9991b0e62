/* User processes: spawning, killing, exiting and waiting (kernel/process.c). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "kernel/task.h"

/* Linux's wait status encoding, which musl's WIFEXITED & co. decode. */
#define W_EXITCODE(code)	(((code) & 0xff) << 8)
#define W_SIGNALED(sig)		((sig) & 0x7f)
enum { SIGTRAP = 5, SIGILL = 4, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGBUS = 7 };

#define MMAP_FLOOR(p)		((p)->brk_start + (1ul << 30))	/* brk may grow 1 GiB: mmap stays above */

long process_spawn(const char *name, char *const argv[], char *const envp[]);
void process_thread_exit(struct task *t, int code);
void process_kill(struct process *p, int status);	/* status: wait4 encoding */
long process_wait(int pid, int *status, int options);
struct process *process_by_pid(int pid);
void process_vfork_done(struct process *p);
void process_drop_vm(struct process *p);       /* the caller is off p's page tables */
void process_notify_parent(struct process *p); /* p is a zombie */
__attribute__((noreturn)) void process_fault(struct trap_frame *tf, int signal, const char *why);
