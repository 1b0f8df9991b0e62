/* System calls: Linux x86-64 numbers, plus Kestrel's own (user/kestrel.h). */
#pragma once
#include <stdint.h>

// clang-format off
/* The numbers line up as in Linux's arch/x86/entry/syscalls/syscall_64.tbl. */
#define SYS_read		0
#define SYS_write		1
#define SYS_close		3
#define SYS_mmap		9
#define SYS_mprotect		10
#define SYS_munmap		11
#define SYS_brk			12
#define SYS_rt_sigaction	13
#define SYS_rt_sigprocmask	14
#define SYS_rt_sigreturn	15
#define SYS_ioctl		16
#define SYS_writev		20
#define SYS_mremap		25
#define SYS_sched_yield		24
#define SYS_madvise		28
#define SYS_pause		34
#define SYS_nanosleep		35
#define SYS_getpid		39
#define SYS_uname		63 /* LAB syscall */
#define SYS_clone		56
#define SYS_fork		57
#define SYS_vfork		58
#define SYS_execve		59
#define SYS_exit		60
#define SYS_wait4		61
#define SYS_kill		62
#define SYS_rt_sigpending	127
#define SYS_rt_sigtimedwait	128
#define SYS_rt_sigsuspend	130
#define SYS_getppid		110
#define SYS_sigaltstack		131
#define SYS_getrlimit		97
#define SYS_modify_ldt		154
#define SYS_setrlimit		160
#define SYS_arch_prctl		158
#define SYS_gettid		186
#define SYS_futex		202
#define SYS_sched_setaffinity	203
#define SYS_sched_getaffinity	204
#define SYS_tkill		200
#define SYS_set_tid_address	218
#define SYS_clock_gettime	228
#define SYS_exit_group		231
#define SYS_tgkill		234
#define SYS_set_robust_list	273
#define SYS_prlimit64		302
#define SYS_pkey_mprotect	329
#define SYS_pkey_alloc		330
#define SYS_pkey_free		331
#define NR_LINUX_SYSCALLS	335
// clang-format on

/* Kestrel-only calls: numbers in uapi/kestrel_abi.h, shared with programs. */
#include "uapi/kestrel_abi.h"
#define NR_KESTREL_SYSCALLS	9

/*
 * A handler reads its arguments straight from the saved user registers, in
 * the order the Linux ABI passes them: rdi, rsi, rdx, r10, r8, r9.  (r10,
 * not rcx: SYSCALL overwrites rcx with the return address.)
 */
struct trap_frame;
typedef long (*syscall_fn)(struct trap_frame *tf);

/* Every handler, by name; kernel/syscall.c builds the tables from these. */
// clang-format off
#define SYSCALLS(X) \
	X(read) X(write) X(writev) X(ioctl) X(close) \
	X(mmap) X(munmap) X(mprotect) X(mremap) X(brk) X(madvise) \
	X(rt_sigaction) X(rt_sigprocmask) X(rt_sigreturn) X(rt_sigpending) \
	X(rt_sigsuspend) X(rt_sigtimedwait) X(sigaltstack) X(pause) X(kill) \
	X(set_robust_list) X(sched_yield) X(sched_setaffinity) X(sched_getaffinity) X(nanosleep) X(clock_gettime) \
	X(getpid) X(getppid) X(gettid) X(set_tid_address) X(arch_prctl) X(modify_ldt) \
	X(uname) /* LAB syscall */ \
	X(prlimit64) X(getrlimit) X(setrlimit) \
	X(clone) X(fork) X(vfork) X(execve) X(exit) X(exit_group) X(wait4) X(futex) X(tkill) X(tgkill) \
	X(pkey_alloc) X(pkey_free) X(pkey_mprotect)
// clang-format on
/* kestrel_fpu_selftest is a test hook: only the test kernel has it
 * (elsewhere its number is -ENOSYS, as any call Kestrel lacks). */
#ifdef KESTREL_TEST
#define KESTREL_TEST_SYSCALLS(X) X(fpu_selftest)
#else
#define KESTREL_TEST_SYSCALLS(X)
#endif
#define KESTREL_SYSCALLS(X) \
	X(spawn) X(progs) X(free_pages) X(fpustat) X(fpuinfo) \
	X(xstate_get) X(xstate_set) X(accel_bind) KESTREL_TEST_SYSCALLS(X)

/* Called from traps/syscall.asm with the frame SYSCALL_FRAME built. */
void syscall_dispatch(struct trap_frame *tf);		/* result into tf->rax */
void syscall_compat_dispatch(struct trap_frame *tf);	/* SYSCALL from 32-bit code */

#define DECLARE(name) long sys_##name(struct trap_frame *tf);
SYSCALLS(DECLARE)
KESTREL_SYSCALLS(DECLARE)
#undef DECLARE
