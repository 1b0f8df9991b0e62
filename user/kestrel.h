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
#define KSYS_fpustat		(KSYS_BASE + 3)
#define KSYS_fpuinfo		(KSYS_BASE + 4)
#define KSYS_xstate_get		(KSYS_BASE + 5)
#define KSYS_xstate_set		(KSYS_BASE + 6)
#define KSYS_fpu_selftest	(KSYS_BASE + 7)
#define KSYS_accel_bind		(KSYS_BASE + 8)

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

/* One user task's extended-state counters, as the shell's fpustat prints them. */
struct kestrel_fpustat {
	int tid, pid;
	char name[16];
	unsigned long long saves;		/* XSAVE* at switch-out */
	unsigned long long restores;		/* XRSTOR* on the way back to user mode */
	unsigned long long restores_skipped;	/* registers still valid: no XRSTOR */
	unsigned int pasid_fixups;		/* #GP on ENQCMD that installed the PASID */
	unsigned int flags;			/* KESTREL_FPU_* */
};
#define KESTREL_FPU_PASID_ACTIVE	1	/* this thread's IA32_PASID is valid */
#define KESTREL_FPU_REGS_LIVE		2	/* its state is in the registers now */
#define KESTREL_FPU_NEED_LOAD		4	/* TIF_NEED_FPU_LOAD is set */

/* Fill st[0..n) with every user task's counters; returns how many tasks exist. */
static inline long kestrel_fpustat(struct kestrel_fpustat *st, unsigned long n)
{
	return raw_syscall2(KSYS_fpustat, st, n);
}

/* How this CPU's extended state is kept. */
struct kestrel_fpuinfo {
	char strategy[16];			/* "xsaves", "xsavec", "xsaveopt", "xsave", "fxsave" */
	unsigned int size;			/* bytes per task buffer, in the kernel's format */
	unsigned int std_size;			/* bytes of the standard-format image (xstate_get) */
	unsigned long long xfeatures;		/* every feature in a buffer */
	unsigned long long xcr0, xss;		/* user features, supervisor features */
	unsigned int compacted, pasid_emulated;
	unsigned long long saves, restores, restores_skipped;	/* totals since boot */
};

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
