/*
 * The C side of every interrupt and exception: traps/vectors.asm saves the
 * registers into a struct trap_frame and calls trap_dispatch().
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "traps/traps.h"
#include "cpu/extable.h"
#include "drivers/pic.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/pkey.h"
#include "traps/gp.h"
#include "traps/enqcmd.h"
#include "lib/printf.h"
#include "kernel/panic.h"
#include "kernel/signal.h"
#include "uapi/signal.h"
#include "fpu/fpu.h"

extern const uint64_t vector_table[256];
struct fixup_record last_fixup;
#ifdef KESTREL_TEST
bool (*trap_test_hook)(struct trap_frame *tf);
#endif

extern const struct extable_entry __start_extable[], __stop_extable[];

static bool extable_fixup(struct trap_frame *tf)
{
	// LAB syscall: begin
	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++) {
		uint64_t insn = (uint64_t)&e->insn + e->insn;
		if (insn != tf->rip)
			continue;
		last_fixup = (struct fixup_record){
			.vector = tf->vector, .error = tf->error, .rip = tf->rip,
			.cr2 = tf->vector == T_PF ? read_cr2() : 0,
			.count = last_fixup.count + 1,
		};
		tf->rip = (uint64_t)&e->fixup + e->fixup;
		return true;
	}
	return false;
	// LAB syscall: stub
	//	(void)tf;
	//	LAB_TODO("traps/trap.c: extable_fixup (lab syscall, docs/labs/syscall.md)");
	//	return false;
	// LAB syscall: end
}

/* DR6 (SDM vol. 3A 18.2.3): what raised a #DB.  The CPU never clears it. */
#define DR6_BS		(1ul << 14)	/* single step (RFLAGS.TF) */
#define DR6_RESET 0xffff0ff0ul

static uint64_t debug_status(void)
{
	uint64_t dr6;
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	asm volatile("mov %0, %%dr6" :: "r"(DR6_RESET));
	return dr6;
}

/*
 * The signal Linux sends for each exception in user mode, with its
 * si_code and si_addr (arch/x86/kernel/traps.c, mm/fault.c).
 */
static struct ksiginfo fault_info(const struct trap_frame *tf, uint64_t dr6)
{
	struct ksiginfo i = { .code = K_SI_KERNEL };
	switch (tf->vector) {
	case T_DE:
		i = (struct ksiginfo){ .signo = KSIGFPE, .code = K_FPE_INTDIV, .addr = tf->rip };
		break;
	case T_MF:
	case T_XM:
		i = (struct ksiginfo){ .signo = KSIGFPE,
				       .code = fpu_exception_code(current(), tf->vector == T_MF),
				       .addr = tf->rip };
		break;
	case T_DB:
		i = (struct ksiginfo){ .signo = KSIGTRAP,
				       .code = dr6 & DR6_BS ? K_TRAP_TRACE : K_TRAP_UNK,
				       .addr = tf->rip };
		break;
	case T_BP:
		i.signo = KSIGTRAP;
		break;
	case T_UD:
		i = (struct ksiginfo){ .signo = KSIGILL, .code = K_ILL_ILLOPN, .addr = tf->rip };
		break;
	case T_NP:
	case T_SS:
		i.signo = KSIGBUS;
		break;
	case T_AC:
		i = (struct ksiginfo){ .signo = KSIGBUS, .code = K_BUS_ADRALN };
		break;
	case T_PF:
		i = (struct ksiginfo){ .signo = KSIGSEGV,
				       .code = tf->error & 1 ? K_SEGV_ACCERR : K_SEGV_MAPERR,
				       .addr = read_cr2() };
		if (tf->error & (1 << 5)) { /* PK: a protection-key violation */
			i.code = K_SEGV_PKUERR;
			i.pkey = (uint32_t)pkey_of(current()->proc, i.addr);
		}
		break;
	default:
		i.signo = KSIGSEGV;
		break; /* #GP, #BR, #TS, #CP */
	}
	return i;
}

/* A #GP(0) in user mode, the CPU's or one the ENQCMD emulation raises. */
void user_gp_fault(struct trap_frame *tf, const char *why)
{
	tf->vector = T_GP;
	tf->error = 0;
	signal_fault(tf, &(struct ksiginfo){ .signo = KSIGSEGV, .code = K_SI_KERNEL }, why);
}

/* An exception in user mode is the task's problem, never the kernel's:
 * a signal, and without a handler for it, death with a one-line reason. */
static void user_fault(struct trap_frame *tf, uint64_t dr6)
{
	char why[96];
	if (tf->vector == T_GP) {
		user_gp(tf); /* a first ENQCMD is fixed and retried; else SIGSEGV */
		return;
	}
	if (tf->vector == T_UD && enqcmd_emulate(tf))
		return;
	struct ksiginfo info = fault_info(tf, dr6);
	if (info.code == K_SEGV_PKUERR)
		ksnprintf(why, sizeof(why), "#PF protection-key violation at address %lx (key %u)",
			  info.addr, info.pkey);
	else if (tf->vector == T_PF)
		ksnprintf(why, sizeof(why), "%s at address %lx", trap_name(tf->vector), info.addr);
	else if (tf->vector == T_DB)
		ksnprintf(why, sizeof(why), "%s: %s", trap_name(tf->vector),
			  dr6 & DR6_BS ? "single-step trap (RFLAGS.TF)" : "INT1");
	else if (tf->vector == T_AC)
		ksnprintf(why, sizeof(why), "%s: misaligned access with RFLAGS.AC set",
			  trap_name(tf->vector));
	else
		ksnprintf(why, sizeof(why), "%s", trap_name(tf->vector));
	signal_fault(tf, &info, why);
}

/* The first instruction of a way into the kernel. */
static bool is_entry(uint64_t rip)
{
	extern char syscall_entry[], syscall_compat_entry[];
	return rip == (uint64_t)syscall_entry || rip == (uint64_t)syscall_compat_entry ||
	       (rip >= vector_table[0] && rip <= vector_table[255]);
}

/*
 * A #DB in ring 0.  Kestrel never sets TF or DR7 for itself, so a
 * single-step trap here belongs to the user instruction that entered the
 * kernel, delivered at the entry's first instruction: SYSCALL with TF set
 * (Bochs; SYSCALL has cleared TF by then, through IA32_FMASK), or any
 * entry right after a MOV SS, whose shadow held the trap over (SDM vol. 3A
 * 6.8.3, CVE-2018-8897).  As Linux's exc_debug_kernel: drop it, with TF
 * clear in the frame, and let the entry go on.  The user's own TF, in R11
 * or in the user frame, traps once it is back in ring 3.
 */
static bool debug_kernel(struct trap_frame *tf, uint64_t dr6)
{
	if (!(dr6 & DR6_BS))
		return false;
	tf->rflags &= ~RFLAGS_TF;
	if (!is_entry(tf->rip))
		kprintf("kestrel: single-step #DB in the kernel at %lx: TF cleared\n", tf->rip);
	return true;
}

/*
 * Nothing in Kestrel asks for an NMI (no watchdog, no performance
 * counters): as Linux's "unknown NMI", say so and go on.  It is never the
 * interrupted task's fault.  From kernel mode this runs on the NMI stack,
 * maybe inside an entry before its stack switch, so it must not sleep or
 * schedule; from user mode trap_common has moved to the task's stack.
 */
static void nmi(struct trap_frame *tf)
{
	kprintf("kestrel: NMI (system control port B %02x) at rip %lx in %s mode: ignored\n",
		inb(0x61), tf->rip, trap_from_user(tf) ? "user" : "kernel");
}

void trap_dispatch(struct trap_frame *tf)
{
	uint64_t dr6 = tf->vector == T_DB ? debug_status() : 0;

	if (tf->vector >= T_IRQ0 && tf->vector < T_IRQ0 + 16) {
		irq_dispatch(tf);
		return;
	}
	if (tf->vector == T_SPURIOUS)
		return;
	if (tf->vector == T_NMI) {
		nmi(tf);
		return;
	}
	/*
	 * A double fault is the kernel failing to deliver an exception, in
	 * whatever mode it arose.  A machine check is never delivered to
	 * Kestrel (CR4.MCE is clear, so the CPU shuts down instead: SDM vol.
	 * 3A 2.5 and 6.15, interrupt 18), so vector 18 is the kernel's own
	 * INT 18: a bug, like a #DF.
	 */
	if (tf->vector == T_DF || tf->vector == T_MC)
		panic_frame(tf, "%s (vector %lu) from %s mode: error %lx, rip %lx", trap_name(tf->vector),
			    tf->vector, trap_from_user(tf) ? "user" : "kernel", tf->error, tf->rip);
	if (trap_from_user(tf)) {
		user_fault(tf, dr6);
		return;
	}
	if (tf->vector == T_DB && debug_kernel(tf, dr6))
		return;
	if (extable_fixup(tf))
		return;
#ifdef KESTREL_TEST
	if (trap_test_hook && trap_test_hook(tf))
		return;
#endif
	if (tf->vector == T_PF)
		panic_frame(tf, "%s in kernel mode: error %lx, rip %lx, cr2 %lx", trap_name(tf->vector),
			    tf->error, tf->rip, read_cr2());
	panic_frame(tf, "%s (vector %lu) in kernel mode: error %lx, rip %lx", trap_name(tf->vector),
		    tf->vector, tf->error, tf->rip);
}
