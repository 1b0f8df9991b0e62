/*
 * System-call dispatch.  traps/syscall.asm saves the user registers in a
 * trap frame and calls syscall_dispatch(); the result goes back in rax.
 * The handlers live with what they manage: sys_proc.c (tasks, processes),
 * sys_mm.c (memory), sys_misc.c (console, time, identity).
 */
#include "kernel.h"
#include "errno.h"
#include "syscall.h"
#include "task.h"
#include "x86.h"
#include "traps/traps.h"

#define SYSCALLS(X) \
	X(read) X(write) X(writev) X(ioctl) X(close) \
	X(mmap) X(munmap) X(mprotect) X(brk) X(madvise) \
	X(rt_sigaction) X(rt_sigprocmask) X(set_robust_list) \
	X(sched_yield) X(nanosleep) X(clock_gettime) \
	X(getpid) X(gettid) X(set_tid_address) X(arch_prctl) \
	X(clone) X(exit) X(exit_group) X(wait4) X(futex)

#define DECLARE(name) long sys_##name(struct trap_frame *tf);
SYSCALLS(DECLARE)
long sys_spawn(struct trap_frame *tf);
long sys_progs(struct trap_frame *tf);
long sys_free_pages(struct trap_frame *tf);

#define ENTRY(name) [SYS_##name] = { sys_##name, #name },
static const struct { syscall_fn fn; const char *name; } linux_table[NR_LINUX_SYSCALLS] = {
	SYSCALLS(ENTRY)
};

static const struct { syscall_fn fn; const char *name; } kestrel_table[NR_KESTREL_SYSCALLS] = {
	[KSYS_spawn - KSYS_BASE] = { sys_spawn, "kestrel_spawn" },
	[KSYS_progs - KSYS_BASE] = { sys_progs, "kestrel_progs" },
	[KSYS_free_pages - KSYS_BASE] = { sys_free_pages, "kestrel_free_pages" },
};

void syscall_dispatch(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	syscall_fn fn = NULL;

	sti();		/* IA32_FMASK cleared IF on entry */
	if (nr < NR_LINUX_SYSCALLS)
		fn = linux_table[nr].fn;
	else if (nr >= KSYS_BASE && nr < KSYS_BASE + NR_KESTREL_SYSCALLS)
		fn = kestrel_table[nr - KSYS_BASE].fn;
	if (!fn) {
		/* Say what the program needed: the usual first question. */
		kprintf("kestrel: %s[%d] called unimplemented system call %lu\n",
			current()->name, current()->tid, nr);
		tf->rax = -ENOSYS;
		return;
	}
	tf->rax = fn(tf);
}

/* STAR: kernel CS for SYSCALL in 47:32; for SYSRET, base 63:48 (traps/gdt.c). */
void syscall_init(void)
{
	extern char syscall_entry[];
	wrmsr(MSR_STAR, ((uint64_t)USER_CS32 << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF (no interrupt before the stack switch), DF (the ABI), TF, and AC (SMAP). */
	wrmsr(MSR_FMASK, (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
