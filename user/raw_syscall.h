/*
 * raw_syscall6: one `syscall` instruction and nothing else.
 *
 * musl's syscall() turns a negative return into -1 and errno, which hides
 * exactly what a test wants to see.  This returns rax as the kernel left it:
 * a result, or -errno in [-4095, -1].
 *
 * The x86-64 system-call ABI: number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, r9 (r10, not rcx: the instruction itself overwrites rcx with the
 * return address and r11 with rflags, hence the clobbers).
 */
#ifndef KESTREL_RAW_SYSCALL_H
#define KESTREL_RAW_SYSCALL_H

static inline long raw_syscall6(long nr, long a1, long a2, long a3,
				long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	/* "memory": the kernel may read or write any buffer we passed. */
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define raw_syscall0(nr)		raw_syscall6((nr), 0, 0, 0, 0, 0, 0)
#define raw_syscall1(nr, a)		raw_syscall6((nr), (long)(a), 0, 0, 0, 0, 0)
#define raw_syscall2(nr, a, b)		raw_syscall6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define raw_syscall3(nr, a, b, c)	raw_syscall6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define raw_syscall4(nr, a, b, c, d)	raw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

#endif
