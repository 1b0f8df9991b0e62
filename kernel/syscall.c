/*
 * System-call dispatch.  traps/syscall.asm saves the user registers in a
 * trap frame and calls syscall_dispatch(); the result goes back in rax.
 * The handlers live with what they manage: sys_proc.c (tasks, processes),
 * sys_mm.c (memory), sys_misc.c (console, time, identity).
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "lib/printf.h"

#define ENTRY(name) [SYS_##name] = { sys_##name, #name },
static const struct { syscall_fn fn; const char *name; } linux_table[NR_LINUX_SYSCALLS] = {
	SYSCALLS(ENTRY)
};

#define KENTRY(name) [KSYS_##name - KSYS_BASE] = { sys_##name, "kestrel_" #name },
static const struct { syscall_fn fn; const char *name; } kestrel_table[NR_KESTREL_SYSCALLS] = {
	KESTREL_SYSCALLS(KENTRY)
};

/* Names of Linux calls Kestrel lacks that programs commonly make, so the
 * console can say what a program needed (the full list: Linux's
 * arch/x86/entry/syscalls/syscall_64.tbl). */
static const char *const missing_names[NR_LINUX_SYSCALLS] = {
	[2] = "open",	     [4] = "stat",	   [5] = "fstat",
	[6] = "lstat",	     [7] = "poll",	   [8] = "lseek",
	[17] = "pread64",    [18] = "pwrite64",	   [19] = "readv",
	[21] = "access",     [22] = "pipe",	   [23] = "select",
	[25] = "mremap",     [32] = "dup",	   [33] = "dup2",
	[41] = "socket",     [72] = "fcntl",	   [79] = "getcwd",
	[80] = "chdir",	     [89] = "readlink",	   [96] = "gettimeofday",
	[97] = "getrlimit",  [102] = "getuid",	   [104] = "getgid",
	[107] = "geteuid",   [108] = "getegid",	   [157] = "prctl",
	[201] = "time",	     [217] = "getdents64", [230] = "clock_nanosleep",
	[257] = "openat",    [262] = "newfstatat", [293] = "pipe2",
	[302] = "prlimit64", [318] = "getrandom",  [332] = "statx",
	[334] = "rseq",
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
		const char *name = nr < NR_LINUX_SYSCALLS ? missing_names[nr] : NULL;
		kprintf("kestrel: %s[%d] called unimplemented system call %lu%s%s%s\n",
			current()->name, current()->tid, nr, name ? " (" : "", name ? name : "",
			name ? ")" : "");
		tf->rax = -ENOSYS;
		return;
	}
	tf->rax = fn(tf);
}

/*
 * A SYSCALL from 32-bit code (traps/syscall.asm, syscall_compat_entry).
 * Kestrel has no 32-bit ABI: the answer is -ENOSYS, as on Linux built
 * without IA32_EMULATION, with the usual line on the console.
 */
void syscall_compat_dispatch(struct trap_frame *tf)
{
	sti();
	kprintf("kestrel: %s[%d] used SYSCALL from compatibility mode: not supported (-ENOSYS)\n",
		current()->name, current()->tid);
	tf->rax = -ENOSYS;
}
