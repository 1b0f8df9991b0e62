/*
 * test-entry: what a hostile program can do with the ways into the kernel
 * (every vector, every RFLAGS bit it can set, SYSCALL/SYSRET/IRETQ edge
 * cases, the 32-bit code segment, segment loads, privileged instructions)
 * ends with that program killed by the signal Linux sends, or with the
 * answer Linux gives, and never with the kernel stopped.
 *
 * Each hostile step runs in a child (child.h) named by argv[1]; the parent
 * checks the child's wait status.  The parent surviving, and the kernel
 * with it, is the real test.  docs/tasks.md 2.13 lists what was tried.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "child.h"
#include "kestrel.h"
#include "ktap.h"

#define PROG "test-entry"

/* Selectors of Kestrel's GDT (cpu/gdt.c), with RPL 3 where ring 3 uses them. */
#define SEL_KERNEL_CS 0x10 /* Linux's selectors (cpu/gdt.c) */
#define SEL_KERNEL_DS 0x18
#define SEL_USER_CS32 0x23
#define SEL_USER_DS 0x2b
#define SEL_USER_CS 0x33
#define SEL_TSS 0x40

#define RFLAGS_TF	(1UL << 8)
#define RFLAGS_IF	(1UL << 9)
#define RFLAGS_DF	(1UL << 10)
#define RFLAGS_IOPL	(3UL << 12)
#define RFLAGS_NT	(1UL << 14)
#define RFLAGS_AC	(1UL << 18)

static unsigned long get_rflags(void)
{
	unsigned long f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static void set_rflags(unsigned long f)
{
	__asm__ volatile("pushq %0; popfq" :: "r"(f) : "cc", "memory");
}

static void cpuid(unsigned leaf, unsigned r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static bool is_intel(void)
{
	unsigned r[4];
	cpuid(0, r);
	return r[1] == 0x756e6547;	/* "Genu" */
}

/*
 * QEMU's TCG: CPUID.1:ECX.hypervisor and the signature "TCGTCGTCGTCG" at
 * leaf 0x40000000.  Some cases are beyond what TCG emulates.
 */
static bool is_tcg(void)
{
	unsigned r[4];
	cpuid(1, r);
	if (!(r[2] >> 31 & 1))
		return false;
	cpuid(0x40000000, r);
	return memcmp(&r[1], "TCGT", 4) == 0 && memcmp(&r[2], "CGTC", 4) == 0 && memcmp(&r[3], "GTCG", 4) == 0;
}

/* ---- software interrupts: only INT3's gate has DPL 3 ---- */

/* int_table + 4 * n: "int $n; ret; nop" for every n (gas keeps int $3 as CD 03). */
__asm__(".text\n"
	".globl int_table\n"
	"int_table:\n"
	".set vec, 0\n"
	".rept 256\n"
	"  .byte 0xcd, vec, 0xc3, 0x90\n"
	"  .set vec, vec + 1\n"
	".endr\n");
extern const unsigned char int_table[];

static int int_vector = -1;	/* the child's vector, from argv[1] "int-N" */

static void int_n(void)
{
	((void (*)(void))(uintptr_t)(int_table + 4 * int_vector))();
}

static void int3_cc(void)	{ __asm__ volatile("int3"); }
static void icebp(void)		{ __asm__ volatile(".byte 0xf1"); }	/* INT1: #DB, no gate DPL check */
static void into(void)		{ __asm__ volatile(".byte 0xce"); }	/* invalid in 64-bit mode */
static void bound(void)		{ __asm__ volatile(".byte 0x62, 0, 0, 0, 0, 0"); }	/* EVEX, fixed bit clear */

/* ---- RFLAGS bits a ring-3 POPF can set ---- */

/* The single-step trap follows the next instruction. */
static void tf_nop(void)
{
	set_rflags(get_rflags() | RFLAGS_TF);
	__asm__ volatile("nop");
}

/*
 * TF set just before SYSCALL: the trap belongs to the SYSCALL.  Bochs takes
 * it in ring 0 at the entry's first instruction, before the stack switch
 * (the kernel must clear TF there and go on); QEMU takes it after SYSRET.
 */
static void tf_syscall(void)
{
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; syscall"
			 :: "a"(SYS_getpid) : "rcx", "r11", "memory", "cc");
}

/*
 * MOV SS holds off the single-step trap by one instruction (SDM vol. 3A
 * 6.8.3), so it is delivered after the next one: inside the kernel's entry
 * (CVE-2018-8897).
 */
static void tf_mov_ss_syscall(void)
{
	__asm__ volatile("mov %%ss, %%edx; pushfq; orq $0x100, (%%rsp); popfq; mov %%edx, %%ss; syscall"
			 :: "a"(SYS_getpid) : "rcx", "rdx", "r11", "memory", "cc");
}

static void tf_mov_ss_int3(void)
{
	__asm__ volatile("mov %%ss, %%edx; pushfq; orq $0x100, (%%rsp); popfq; mov %%edx, %%ss; int3"
			 ::: "rdx", "memory", "cc");
}

static void tf_mov_ss_int80(void)
{
	__asm__ volatile("mov %%ss, %%edx; pushfq; orq $0x100, (%%rsp); popfq; mov %%edx, %%ss; int $0x80"
			 ::: "rdx", "memory", "cc");
}

static volatile int spin_stop;

static void *spinner(void *arg)
{
	while (!spin_stop)
		;
	return arg;
}

/*
 * NT in the kernel makes its next IRETQ a #GP (SDM vol. 2A IRET: IA-32e
 * mode, NT = 1).  Yield with NT set while another thread, preempted in
 * user mode, waits to leave the kernel through IRETQ.  Linux keeps the
 * user's NT across a system call; so must we.
 */
static void nt_yield(void)
{
	pthread_t t;
	int bad = 0;

	if (pthread_create(&t, NULL, spinner, NULL))
		exit(4);
	for (int i = 0; i < 200; i++) {
		set_rflags(get_rflags() | RFLAGS_NT);
		raw_syscall0(SYS_sched_yield);
		raw_syscall0(SYS_getpid);
		bad |= !(get_rflags() & RFLAGS_NT);
		set_rflags(get_rflags() & ~RFLAGS_NT);
	}
	spin_stop = 1;
	pthread_join(t, NULL);
	exit(bad ? 3 : 0);
}

/* A clock_gettime() copy with DF set: the kernel's REP MOVSB must still go up. */
static void df_syscall(void)
{
	struct timespec ts[3];
	memset(ts, 0x5a, sizeof(ts));
	set_rflags(get_rflags() | RFLAGS_DF);
	long r = raw_syscall2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts[1]);
	bool df_kept = get_rflags() & RFLAGS_DF;
	set_rflags(get_rflags() & ~RFLAGS_DF);
	unsigned char *p = (unsigned char *)ts;
	bool guards = true;
	for (size_t i = 0; i < sizeof(ts[0]); i++)
		guards &= p[i] == 0x5a && p[2 * sizeof(ts[0]) + i] == 0x5a;
	exit(r == 0 && df_kept && guards && ts[1].tv_nsec < 1000000000 ? 0 : 3);
}

/* With AC set, a misaligned load at CPL 3 is #AC (SDM vol. 3A 6.15, CR0.AM). */
static void ac_misaligned(void)
{
	static volatile uint64_t word[2];
	set_rflags(get_rflags() | RFLAGS_AC);
	__asm__ volatile("movl (%0), %%eax" :: "r"((volatile char *)word + 1) : "eax");
	set_rflags(get_rflags() & ~RFLAGS_AC);
}

/* AC set, aligned accesses and system calls: nothing faults, AC survives. */
static void ac_aligned(void)
{
	static volatile uint64_t word[2];
	set_rflags(get_rflags() | RFLAGS_AC);
	word[1] = word[0] + 1;
	long pid = raw_syscall0(SYS_getpid);
	raw_syscall0(SYS_sched_yield);
	bool kept = get_rflags() & RFLAGS_AC;
	set_rflags(get_rflags() & ~RFLAGS_AC);
	exit(pid > 0 && kept ? 0 : 3);
}

/* POPF at CPL 3 leaves IOPL alone (SDM vol. 2B POPF): CLI stays a #GP. */
static void iopl_popf_cli(void)
{
	set_rflags(get_rflags() | RFLAGS_IOPL);
	if (get_rflags() & RFLAGS_IOPL)
		exit(3);
	__asm__ volatile("cli");
}

/* ...and IF too, with IOPL 0: the program cannot turn interrupts off. */
static void if_popf(void)
{
	set_rflags(get_rflags() & ~RFLAGS_IF);
	exit(get_rflags() & RFLAGS_IF ? 0 : 3);
}

/* ---- IRETQ, SYSRET and far transfers from ring 3 ---- */

static void iretq_to(unsigned long cs, unsigned long rip, unsigned long rflags)
{
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushq %[fl]\n\t"
			 "pushq %[cs]\n\t"
			 "pushq %[ip]\n\t"
			 "iretq"
			 :: [ss] "i"(SEL_USER_DS), [fl] "r"(rflags), [cs] "r"(cs), [ip] "r"(rip)
			 : "rax", "memory");
}

static void iretq_noncanonical(void) { iretq_to(SEL_USER_CS, 0x0000800000000000UL, 0x202); }
static void iretq_ring0(void)	{ iretq_to(SEL_KERNEL_CS, (unsigned long)iretq_ring0, 0x202); }

static void iretq_nt(void)
{
	set_rflags(get_rflags() | RFLAGS_NT);
	iretq_to(SEL_USER_CS, (unsigned long)iretq_nt, 0x202);
}

static void jmp_noncanonical(void)
{
	__asm__ volatile("jmp *%0" :: "r"(0x0000800000000000UL));
}

static void sysret_ring3(void)	{ __asm__ volatile("sysretq"); }
static void sysenter(void)	{ __asm__ volatile("sysenter"); }
static void swapgs(void)	{ __asm__ volatile("swapgs"); }

/*
 * To the 32-bit user code segment and back, with far jumps through memory
 * (QEMU 7.2's TCG pops a far return's or IRETQ's frame as a supervisor
 * access, which SMAP refuses).  The child leaves by exit_group from 64-bit
 * code: in compatibility mode the upper halves of the registers, RSP's
 * among them, are not preserved (SDM vol. 1 3.4.1.1), and the 32-bit code
 * uses no stack.  What ran in 32-bit mode reports in ebx; the exit status
 * is 0 if ebx is what Linux would give.
 */
#define COMPAT_CHILD(name, body32, check64)                 \
	__asm__(".text\n"                                   \
		".globl " #name "\n" #name ":\n"            \
		"  ljmpl *1f(%rip)\n"                       \
		"1: .long 2f\n"                             \
		"  .word 0x23\n"                            \
		".code32\n"                                 \
		"2:\n" body32 "\n"                          \
		"  ljmp $0x33, $3f\n"                       \
		".code64\n"                                 \
		"3:\n"                                      \
		"  xorl %edi, %edi\n" check64 "\n"          \
		"  movl $231, %eax\n" /* exit_group(edi) */ \
		"  syscall\n"                               \
		"  ud2\n");                                 \
	void name(void)

/* Linux without IA32_EMULATION answers -ENOSYS (its IA32_CSTAR entry). */
COMPAT_CHILD(compat_syscall,
	     "  movl $20, %eax\n  syscall\n  movl %eax, %ebx",
	     "  cmpl $-38, %ebx\n  setne %dil");
COMPAT_CHILD(compat_int80, "  movl $20, %eax\n  int $0x80\n  movl %eax, %ebx", "  movl $3, %edi");
COMPAT_CHILD(compat_int3, "  int3", "  movl $3, %edi");
/* Long enough in 32-bit mode for timer interrupts to come and go. */
COMPAT_CHILD(compat_spin, "  movl $3000000, %ecx\n4:\n  decl %ecx\n  jnz 4b\n  movl %cs, %ebx",
	     "  cmpl $0x23, %ebx\n  setne %dil");

/* ---- segment registers ---- */

#define LOAD_SEG(name, reg, sel) \
	static void name(void) { __asm__ volatile("movw %w0, %%" #reg :: "r"(sel)); }
LOAD_SEG(load_ds_kernel, ds, SEL_KERNEL_DS | 3)	/* DPL 0 < CPL 3: #GP */
LOAD_SEG(load_es_tss, es, SEL_TSS | 3)		/* a system descriptor: #GP */
LOAD_SEG(load_fs_ldt, fs, 0x0007)		/* TI = 1, no LDT: #GP */
LOAD_SEG(load_gs_limit, gs, 0x1233)		/* past the GDT's limit: #GP */
LOAD_SEG(load_ss_rpl0, ss, SEL_USER_DS & ~3)	/* SS needs RPL = CPL: #GP */
LOAD_SEG(load_ss_null, ss, 0)			/* null SS at CPL 3: #GP (SDM vol. 2A MOV) */
LOAD_SEG(load_ss_code, ss, SEL_USER_CS)		/* SS must be writable data: #GP */

/*
 * An LDT selector.  Kestrel has no LDT, but until gdt_init loaded a null
 * LDTR it kept its reset value, base 0 and limit 0xffff (SDM vol. 3A 9.1.1):
 * the CPU read LDT descriptors from the program's own pages.  SMAP refused
 * that implicit supervisor read (#PF); without SMAP the program got the
 * segment it wrote, and could as well have written a call gate to ring 0.
 */
static void ldt_own_descriptor(void)
{
	volatile uint64_t *page = (volatile uint64_t *)0x1000;

	if (raw_syscall6(SYS_mmap, 0x1000, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == 0x1000)
		page[0] = 0x00cff3000000ffffULL;	/* LDT entry 512: flat data, DPL 3, accessed */
	__asm__ volatile("movw %w0, %%ds" :: "r"(512 << 3 | 4 | 3));
}

/* Legal loads (data with RPL 0 at CPL 3, a readable code segment), then system calls. */
static void load_ds_odd_then_syscalls(void)
{
	__asm__ volatile("movw %w0, %%ds; movw %w1, %%es" :: "r"(SEL_USER_DS & ~3), "r"(SEL_USER_CS32));
	for (int i = 0; i < 50; i++)
		raw_syscall0(SYS_sched_yield);
	exit(raw_syscall0(SYS_getpid) > 0 ? 0 : 3);
}

/*
 * DS and ES are the program's registers like any other: another process
 * must not see the values this one loaded (the CPU keeps them through the
 * kernel and through IRETQ; the context switch must save and restore
 * them, as Linux's __switch_to does).
 */
static void ds_es_hold(void)
{
	__asm__ volatile("movw %w0, %%ds; movw %w0, %%es" :: "r"(SEL_USER_CS32));
	for (int i = 0; i < 3000; i++)
		raw_syscall0(SYS_sched_yield);
	raw_syscall1(SYS_exit_group, 0);	/* musl's exit is fine, but leave nothing to chance */
}

/*
 * The same for FS and GS: in 64-bit mode their selectors are the
 * program's too (a load also sets the base from the descriptor, 0 here).
 * The child checks that its own selectors survive its switches, and
 * exits 1 if not; musl's TLS is gone once FS is loaded, so raw calls only.
 */
static void fs_gs_hold(void)
{
	unsigned short fs, gs;
	int lost = 0;
	__asm__ volatile("movw %w0, %%fs; movw %w0, %%gs" ::"r"(SEL_USER_CS32));
	for (int i = 0; i < 3000; i++) {
		raw_syscall0(SYS_sched_yield);
		__asm__ volatile("movw %%fs, %w0; movw %%gs, %w1" : "=r"(fs), "=r"(gs));
		lost |= fs != SEL_USER_CS32 || gs != SEL_USER_CS32;
	}
	raw_syscall1(SYS_exit_group, lost);
}

/* ---- privileged instructions: #GP at CPL 3 ---- */

static void cli(void)		{ __asm__ volatile("cli"); }
static void sti(void)		{ __asm__ volatile("sti"); }
static void in_port(void)	{ __asm__ volatile("inb $0x64, %%al" ::: "eax"); }
static void out_port(void)	{ __asm__ volatile("outb %%al, $0x80" :: "a"(0)); }
static void rdmsr(void)		{ __asm__ volatile("rdmsr" :: "c"(0xc0000082) : "eax", "edx"); }
static void mov_cr3(void)	{ __asm__ volatile("mov %%cr3, %%rax" ::: "rax"); }
static void lldt(void)		{ __asm__ volatile("lldt %w0" :: "r"(SEL_USER_DS)); }
static void lgdt(void)
{
	static struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d;
	__asm__ volatile("lgdt %0" :: "m"(d));
}
static void ltr(void)		{ __asm__ volatile("ltr %w0" :: "r"(SEL_TSS)); }
static void ud2(void)		{ __asm__ volatile("ud2"); }

/* ---- the stack pointer at the time of an interrupt or system call ---- */

/*
 * A non-canonical RSP while timer interrupts arrive (the CPU switches to
 * RSP0) and across SYSCALL (the entry never touches the user stack).
 */
static void rsp_noncanonical_syscalls(void)
{
	long pid;
	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "movabs $0x8000000000001000, %%rsp\n\t"
			 "mov $3000000, %%ecx\n"
			 "1: dec %%ecx\n\t"
			 "jnz 1b\n\t"
			 "mov %1, %%eax\n\t"
			 "syscall\n\t"
			 "mov %%r12, %%rsp"
			 : "=a"(pid) : "i"(SYS_getpid) : "rcx", "r11", "r12", "memory", "cc");
	exit(pid > 0 ? 0 : 3);
}

/* A push through it: #SS (SDM vol. 3A 6.15: a non-canonical stack reference). */
static void rsp_noncanonical_push(void)
{
	__asm__ volatile("mov %%rsp, %%r12; movabs $0x8000000000001000, %%rsp; push %%rax; mov %%r12, %%rsp"
			 ::: "r12", "memory");
}

/* An unmapped RSP and INT3: the #BP frame goes on RSP0, not the user's stack. */
static void rsp_unmapped_int3(void)
{
	__asm__ volatile("mov %%rsp, %%r12; mov $0x1000, %%esp; int3; mov %%r12, %%rsp" ::: "r12", "memory");
}

/* ---- the table ---- */

static const struct hostile {
	const char *name;	/* the case, and the child's argv[1] */
	void (*act)(void);
	int signal;		/* killed by this (SIGSEGV: a #GP), or, if 0... */
	int status;		/* ...exits with this */
	int intel_signal;	/* if nonzero: the signal on an Intel CPU instead */
	int tcg_signal;		/* if nonzero: what QEMU's TCG does instead (it differs from the SDM) */
	const char *tcg_skip;	/* or why TCG cannot show it */
} cases[] = {
	{ "int3", int3_cc, .signal = SIGTRAP },
	{ "icebp", icebp, .signal = SIGTRAP, .tcg_signal = SIGILL },	/* QEMU 7.2: #UD */
	{ "into", into, .signal = SIGILL },
	{ "bound", bound, .signal = SIGILL },
	{ "tf-nop", tf_nop, .signal = SIGTRAP },
	{ "tf-syscall", tf_syscall, .signal = SIGTRAP },
	{ "tf-mov-ss-syscall", tf_mov_ss_syscall, .signal = SIGTRAP },
	{ "tf-mov-ss-int3", tf_mov_ss_int3, .signal = SIGTRAP },
	{ "tf-mov-ss-int80", tf_mov_ss_int80, .signal = SIGSEGV },
	{ "nt-yield", nt_yield, .status = 0 },
	{ "df-syscall", df_syscall, .status = 0 },
	{ "ac-misaligned", ac_misaligned, .signal = SIGBUS, .tcg_skip = "QEMU's TCG does not check alignment (#AC)" },
	{ "ac-aligned", ac_aligned, .status = 0 },
	{ "iopl-popf-cli", iopl_popf_cli, .signal = SIGSEGV },
	{ "if-popf", if_popf, .status = 0 },
	{ "iretq-noncanonical", iretq_noncanonical, .signal = SIGSEGV },
	{ "iretq-ring0", iretq_ring0, .signal = SIGSEGV },
	{ "iretq-nt", iretq_nt, .signal = SIGSEGV },
	{ "jmp-noncanonical", jmp_noncanonical, .signal = SIGSEGV },
	{ "sysret-ring3", sysret_ring3, .signal = SIGSEGV },
	/* SYSENTER: #GP with IA32_SYSENTER_CS = 0 (Intel); #UD in long mode (AMD). */
	{ "sysenter", sysenter, .signal = SIGILL, .intel_signal = SIGSEGV },
	{ "swapgs", swapgs, .signal = SIGSEGV },
	/* SYSCALL outside 64-bit mode is #UD on Intel (SDM vol. 2B SYSCALL). */
	{ "compat-syscall", compat_syscall, .status = 0, .intel_signal = SIGILL },
	{ "compat-int80", compat_int80, .signal = SIGSEGV },
	{ "compat-int3", compat_int3, .signal = SIGTRAP },
	{ "compat-spin", compat_spin, .status = 0 },
	{ "load-ds-kernel", load_ds_kernel, .signal = SIGSEGV },
	{ "load-es-tss", load_es_tss, .signal = SIGSEGV },
	{ "load-fs-ldt", load_fs_ldt, .signal = SIGSEGV },
	{ "ldt-own-descriptor", ldt_own_descriptor, .signal = SIGSEGV },
	{ "load-gs-limit", load_gs_limit, .signal = SIGSEGV },
	{ "load-ss-rpl0", load_ss_rpl0, .signal = SIGSEGV },
	{ "load-ss-null", load_ss_null, .signal = SIGSEGV },
	{ "load-ss-code", load_ss_code, .signal = SIGSEGV },
	{ "load-ds-odd-then-syscalls", load_ds_odd_then_syscalls, .status = 0 },
	{ "cli", cli, .signal = SIGSEGV },
	{ "sti", sti, .signal = SIGSEGV },
	{ "in", in_port, .signal = SIGSEGV },
	{ "out", out_port, .signal = SIGSEGV },
	{ "rdmsr", rdmsr, .signal = SIGSEGV },
	{ "mov-cr3", mov_cr3, .signal = SIGSEGV },
	{ "lldt", lldt, .signal = SIGSEGV },
	{ "lgdt", lgdt, .signal = SIGSEGV },
	{ "ltr", ltr, .signal = SIGSEGV },
	{ "ud2", ud2, .signal = SIGILL },
	{ "rsp-noncanonical-syscalls", rsp_noncanonical_syscalls, .status = 0 },
	/* Linux sends SIGBUS for #SS; QEMU 7.2's TCG raises #GP instead. */
	{ "rsp-noncanonical-push", rsp_noncanonical_push, .signal = SIGBUS, .tcg_signal = SIGSEGV },
	{ "rsp-unmapped-int3", rsp_unmapped_int3, .signal = SIGTRAP },
};

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static int child_main(const char *mode)
{
	if (strcmp(mode, "ds-es-hold") == 0)
		ds_es_hold();
	if (strcmp(mode, "fs-gs-hold") == 0)
		fs_gs_hold();
	if (strncmp(mode, "int-", 4) == 0) {
		int_vector = atoi(mode + 4);
		if (int_vector < 0 || int_vector > 255)
			return 100;
		int_n();
		return 0;
	}
	for (int i = 0; i < NCASES; i++)
		if (strcmp(mode, cases[i].name) == 0) {
			cases[i].act();
			return 0;	/* still here: the parent reports it */
		}
	return 100;
}

static bool check_status(const char *name, int status, int signal, int code)
{
	char why[80];

	if (signal)
		return KTAP_EXPECT(child_killed_by(status, signal), "child %s: %s, want signal %d (%s)",
				   name, child_describe(status, why, sizeof(why)), signal, signame(signal));
	return KTAP_EXPECT(child_exited_with(status, code), "child %s: %s, want exit status %d",
			   name, child_describe(status, why, sizeof(why)), code);
}

static void check_case(const struct hostile *h, bool intel, bool tcg)
{
	if (tcg && h->tcg_skip) {
		ktap_skip(h->name, h->tcg_skip);
		return;
	}
	int status = child_run(PROG, h->name);
	int signal = tcg && h->tcg_signal ? h->tcg_signal : intel && h->intel_signal ? h->intel_signal : h->signal;

	check_status(h->name, status, signal, h->status);
	ktap_result(h->name);
}

/* A child holds DS = ES = the 32-bit code selector; this process must not see it. */
static void ds_es_not_shared(void)
{
	long pid = child_start(PROG, "ds-es-hold");
	unsigned seen_ds = 0, seen_es = 0;
	int status = -1;

	if (!KTAP_EXPECT(pid > 0, "could not start the child: %ld", pid)) {
		ktap_result("ds-es-not-shared");
		return;
	}
	for (int i = 0; i < 3000; i++) {
		unsigned short ds, es;
		raw_syscall0(SYS_sched_yield);
		__asm__ volatile("movw %%ds, %w0; movw %%es, %w1" : "=r"(ds), "=r"(es));
		seen_ds |= ds;
		seen_es |= es;
	}
	waitpid(pid, &status, 0);
	check_status("ds-es-hold", status, 0, 0);
	KTAP_EXPECT(seen_ds == 0 && seen_es == 0,
		    "while another process held DS = ES = %#x, this one saw DS %#x, ES %#x (want 0)",
		    SEL_USER_CS32, seen_ds, seen_es);
	ktap_result("ds-es-not-shared");
}

/* A child holds FS = GS = the 32-bit code selector: it keeps them, and this
 * process keeps its own (0) and its FS base (musl's TLS). */
static void fs_gs_not_shared(void)
{
	long pid = child_start(PROG, "fs-gs-hold");
	unsigned seen_fs = 0, seen_gs = 0;
	uint64_t tls_before, tls_after;
	int status = -1;

	if (!KTAP_EXPECT(pid > 0, "could not start the child: %ld", pid)) {
		ktap_result("fs-gs-not-shared");
		return;
	}
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tls_before)); /* the TLS block points to itself */
	for (int i = 0; i < 3000; i++) {
		unsigned short fs, gs;
		raw_syscall0(SYS_sched_yield);
		__asm__ volatile("movw %%fs, %w0; movw %%gs, %w1" : "=r"(fs), "=r"(gs));
		seen_fs |= fs;
		seen_gs |= gs;
	}
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tls_after));
	waitpid(pid, &status, 0);
	KTAP_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "the child lost its own FS/GS selectors across switches (status %#x)", status);
	KTAP_EXPECT(
		seen_fs == 0 && seen_gs == 0,
		"while another process held FS = GS = %#x, this one saw FS %#x, GS %#x (want 0)",
		SEL_USER_CS32, seen_fs, seen_gs);
	KTAP_EXPECT(tls_after == tls_before,
		    "this process's FS base moved: %%fs:0 was %#llx, now %#llx",
		    (unsigned long long)tls_before, (unsigned long long)tls_after);
	ktap_result("fs-gs-not-shared");
}

/* INT n for every n: #BP for 3 (the one DPL-3 gate), #GP for the rest. */
static void int_every_vector(void)
{
	int bad = 0;

	for (int n = 0; n < 256 && bad < 4; n++) {
		char mode[16];
		snprintf(mode, sizeof(mode), "int-%d", n);
		bad += !check_status(mode, child_run(PROG, mode), n == 3 ? SIGTRAP : SIGSEGV, 0);
	}
	ktap_result("int-every-vector");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argv[1]);

	bool intel = is_intel(), tcg = is_tcg();
	ktap_plan(NCASES + 4);
	child_run(PROG, "ud2");		/* warm up whatever the kernel keeps */
	long pages = on_kestrel() ? kestrel_free_pages() : 0;

	for (int i = 0; i < NCASES; i++)
		check_case(&cases[i], intel, tcg);
	int_every_vector();
	ds_es_not_shared();
	fs_gs_not_shared();
	if (on_kestrel()) {
		long after = kestrel_free_pages();
		KTAP_EXPECT(after == pages, "free pages %ld before the children, %ld after", pages, after);
		ktap_result("children-return-memory");
	} else {
		ktap_skip("children-return-memory", "not running on Kestrel");
	}
	return ktap_exit();
}
