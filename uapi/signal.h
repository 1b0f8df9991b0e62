/*
 * Signals as Linux x86-64 defines them for user space: numbers, flags,
 * si_code values and the structures of a signal frame, byte for byte as
 * Linux's include/uapi/asm-generic/signal*.h and arch/x86/include/uapi/
 * asm/{sigcontext,ucontext}.h, so that musl and Linux's own selftests read
 * Kestrel's frames unchanged.  No libc here: the kernel includes it too, so
 * everything is prefixed k_ where musl has a name of its own.
 */
#ifndef KESTREL_UAPI_SIGNAL_H
#define KESTREL_UAPI_SIGNAL_H

#include <stdint.h>

enum {
	KSIGHUP = 1,
	KSIGINT = 2,
	KSIGQUIT = 3,
	KSIGILL = 4,
	KSIGTRAP = 5,
	KSIGABRT = 6,
	KSIGBUS = 7,
	KSIGFPE = 8,
	KSIGKILL = 9,
	KSIGUSR1 = 10,
	KSIGSEGV = 11,
	KSIGUSR2 = 12,
	KSIGPIPE = 13,
	KSIGALRM = 14,
	KSIGTERM = 15,
	KSIGSTKFLT = 16,
	KSIGCHLD = 17,
	KSIGCONT = 18,
	KSIGSTOP = 19,
	KSIGTSTP = 20,
	KSIGTTIN = 21,
	KSIGTTOU = 22,
	KSIGURG = 23,
	KSIGXCPU = 24,
	KSIGXFSZ = 25,
	KSIGVTALRM = 26,
	KSIGPROF = 27,
	KSIGWINCH = 28,
	KSIGIO = 29,
	KSIGPWR = 30,
	KSIGSYS = 31,
	KSIGRTMIN = 32,
	KNSIG = 64,
};

/* sa_flags */
#define K_SA_NOCLDSTOP 0x00000001u
#define K_SA_NOCLDWAIT 0x00000002u
#define K_SA_SIGINFO 0x00000004u
#define K_SA_RESTORER 0x04000000u /* x86-64 requires it: the return trampoline */
#define K_SA_ONSTACK 0x08000000u
#define K_SA_RESTART 0x10000000u
#define K_SA_NODEFER 0x40000000u
#define K_SA_RESETHAND 0x80000000u
#define K_SIG_DFL 0ul
#define K_SIG_IGN 1ul

/* rt_sigprocmask's how */
enum { K_SIG_BLOCK = 0, K_SIG_UNBLOCK = 1, K_SIG_SETMASK = 2 };

/* sigaltstack */
#define K_SS_ONSTACK 1
#define K_SS_DISABLE 2
#define K_SS_AUTODISARM (1u << 31)
#define K_MINSIGSTKSZ 2048 /* Linux's enforced minimum */

/* si_code: who sent it, or why the CPU raised it. */
#define K_SI_USER 0	 /* kill() */
#define K_SI_KERNEL 0x80 /* the kernel, no better reason */
#define K_SI_TKILL (-6)	 /* tkill(), tgkill() */
enum { K_ILL_ILLOPN = 2 };
enum {
	K_FPE_INTDIV = 1,
	K_FPE_INTOVF,
	K_FPE_FLTDIV,
	K_FPE_FLTOVF,
	K_FPE_FLTUND,
	K_FPE_FLTRES,
	K_FPE_FLTINV,
	K_FPE_FLTSUB
};
enum { K_SEGV_MAPERR = 1, K_SEGV_ACCERR = 2, K_SEGV_PKUERR = 4 };
enum { K_BUS_ADRALN = 1 };
enum { K_TRAP_BRKPT = 1, K_TRAP_TRACE = 2, K_TRAP_UNK = 5 };
enum { K_CLD_EXITED = 1, K_CLD_KILLED = 2, K_CLD_DUMPED = 3 };

/* siginfo_t: 128 bytes; which union member applies depends on the signal. */
struct k_siginfo {
	int32_t si_signo, si_errno, si_code, _pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
			int32_t _pad;
			int64_t utime, stime;
		} chld;
		struct {
			uint64_t addr;
			int16_t addr_lsb;
			int16_t _pad[3];
			uint32_t pkey;
		} fault; /* si_pkey at offset 32 */
		uint8_t _bytes[128 - 16];
	};
};

/* stack_t */
struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags, _pad;
	uint64_t ss_size;
};

/* struct sigcontext (64-bit): the general registers as the handler sees them. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of the extended state, or 0 */
	uint64_t reserved1[8];
};

/* uc_flags */
#define K_UC_FP_XSTATE 0x1	   /* fpstate is an XSAVE image with _fpx_sw_bytes */
#define K_UC_SIGCONTEXT_SS 0x2	   /* the ss field is meaningful */
#define K_UC_STRICT_RESTORE_SS 0x4 /* sigreturn restores ss as given */

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

/* What a handler finds at its RSP: the return address first, as after a CALL. */
struct k_rt_sigframe {
	uint64_t pretcode; /* sa_restorer: calls rt_sigreturn */
	struct k_ucontext uc;
	struct k_siginfo info;
	/* the extended state follows, 64-byte aligned, at uc.uc_mcontext.fpstate */
};

/*
 * The software-reserved bytes 464..511 of the FXSAVE area in a signal
 * frame (Linux's struct _fpx_sw_bytes): they say the image is an XSAVE
 * image, how big, with which features.  MAGIC2 follows the image.
 */
#define K_FP_XSTATE_MAGIC1 0x46505853u /* "SXPF" */
#define K_FP_XSTATE_MAGIC2 0x46505845u /* "EXPF" */
#define K_FP_XSTATE_MAGIC2_SIZE 4
#define K_FPX_SW_BYTES_OFFSET 464
struct k_fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size; /* xstate_size + MAGIC2 */
	uint64_t xfeatures;
	uint32_t xstate_size; /* the XSAVE image, MAGIC2 not included */
	uint32_t padding[7];
};

_Static_assert(sizeof(struct k_siginfo) == 128, "siginfo_t is 128 bytes");
_Static_assert(__builtin_offsetof(struct k_siginfo, fault.pkey) == 32, "si_pkey");
_Static_assert(sizeof(struct k_sigcontext) == 256, "struct sigcontext");
_Static_assert(sizeof(struct k_ucontext) == 304, "struct ucontext");
_Static_assert(sizeof(struct k_rt_sigframe) == 440, "struct rt_sigframe");
_Static_assert(sizeof(struct k_fpx_sw_bytes) == 48, "struct _fpx_sw_bytes");

#endif
