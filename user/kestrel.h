/*
 * Kestrel's own system calls, the ones Linux does not have.
 *
 * Everything else a Kestrel program calls is a Linux x86-64 system call with
 * Linux's number and meaning, so musl works unchanged.  Our additions must
 * never collide with a Linux number, present or future.  Linux numbers count
 * up from 0 (a few hundred today), and the x32 ABI marks its calls with bit
 * 30 (0x40000000).  Bit 29 is used by neither: Kestrel's calls are
 * 0x20000000 + n.  On Linux such a number is simply unknown, so each wrapper
 * below returns -ENOSYS there, which is how a program tells it is not on
 * Kestrel.
 *
 * Return values follow Linux's convention: a result, or a negative errno.
 * The wrappers hand it back as is; they do not set errno.
 */
#ifndef KESTREL_H
#define KESTREL_H

#include <errno.h>
#include "raw_syscall.h"

#define KSYS_BASE		0x20000000L
#define KSYS_spawn		(KSYS_BASE + 0)
#define KSYS_progs		(KSYS_BASE + 1)
#define KSYS_free_pages		(KSYS_BASE + 2)

/*
 * Start the boot-module program named prog ("hello", "sh") as a new process,
 * a child of the caller; collect it with waitpid()/wait4().
 * Returns its pid, -ENOENT if there is no such program, or -EFAULT.
 */
static inline long kestrel_spawn(const char *prog, char *const argv[], char *const envp[])
{
	return raw_syscall3(KSYS_spawn, prog, argv, envp);
}

/*
 * Fill buf with the name of every program, each followed by a NUL.
 * Returns the number of bytes written, or -ERANGE if len is too small.
 */
static inline long kestrel_progs(char *buf, unsigned long len)
{
	return raw_syscall2(KSYS_progs, buf, len);
}

/* The number of free physical pages: equal before and after means no leak. */
static inline long kestrel_free_pages(void)
{
	return raw_syscall0(KSYS_free_pages);
}

/* True on Kestrel; on Linux every Kestrel call is -ENOSYS. */
static inline int on_kestrel(void)
{
	return kestrel_free_pages() != -ENOSYS;
}

#endif
