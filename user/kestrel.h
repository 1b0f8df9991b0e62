/*
 * Kestrel's own system calls, the ones Linux does not have: one wrapper
 * each.  Their numbers (bit 29 set, a range Linux never uses) and the
 * structures they pass are in kestrel_abi.h, which the kernel shares.  On
 * Linux such a number is simply unknown, so each wrapper returns -ENOSYS
 * there, which is how a program tells it is not on Kestrel.
 *
 * Return values follow Linux's convention: a result, or a negative errno.
 * The wrappers hand it back as is; they do not set errno.
 */
#ifndef KESTREL_H
#define KESTREL_H

#include <errno.h>
#include "uapi/kestrel_abi.h"
#include "raw_syscall.h"

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

/* ---- extended state (docs/extended-state.md) ---- */

/* Fill st[0..n) with every user task's counters; returns how many tasks exist. */
static inline long kestrel_fpustat(struct kestrel_fpustat *st, unsigned long n)
{
	return raw_syscall2(KSYS_fpustat, st, n);
}

static inline long kestrel_fpuinfo(struct kestrel_fpuinfo *info)
{
	return raw_syscall1(KSYS_fpuinfo, info);
}

/*
 * A debugger's view of task tid's extended state: the standard (not
 * compacted) XSAVE image of the user features, std_size bytes, as Linux's
 * PTRACE_GETREGSET NT_X86_XSTATE (XCR0 in bytes 464..471).  xstate_get
 * returns the size; xstate_set validates the image first (XSTATE_BV within
 * XCR0, XCOMP_BV 0, reserved header bytes 0, MXCSR reserved bits clear) and
 * returns -EINVAL for a bad one, changing nothing.  -ESRCH: no such task.
 */
static inline long kestrel_xstate_get(int tid, void *buf, unsigned long len)
{
	return raw_syscall3(KSYS_xstate_get, tid, buf, len);
}

static inline long kestrel_xstate_set(int tid, const void *buf, unsigned long len)
{
	return raw_syscall3(KSYS_xstate_set, tid, buf, len);
}

/* ---- the accelerator (docs/pasid.md) ---- */

/*
 * Bind this process to the accelerator: it gets a PASID (shared by all its
 * threads) and the device's submission portal is mapped into it.  Returns
 * the portal's address, or -errno.  Descriptors go to the portal with
 * ENQCMD (bytes f2 0f 38 f8 /r); each thread's first ENQCMD takes one #GP,
 * which the kernel answers by installing the PASID, and is retried.
 */
static inline long kestrel_accel_bind(void)
{
	return raw_syscall0(KSYS_accel_bind);
}

/* True on Kestrel; on Linux every Kestrel call is -ENOSYS. */
static inline int on_kestrel(void)
{
	return kestrel_free_pages() != -ENOSYS;
}

#endif
