/*
 * Delivering a signal: the frame on the user stack, the handler's
 * registers, and rt_sigreturn, laid out exactly as Linux x86-64's
 * arch/x86/kernel/signal_64.c, so musl's sa_restorer and Linux's own
 * selftests work unchanged (docs/signals.md follows one SIGSEGV through).
 *
 *	handler's RSP ->  pretcode (sa_restorer, "returns" into rt_sigreturn)
 *			  struct ucontext  (flags, sigaltstack, sigcontext, mask)
 *			  siginfo_t
 *			  ... padding ...
 *	fpstate (64-aligned) -> XSAVE image, MAGIC2       (fpu/signal.c)
 *			  the interrupted RSP - 128 (the red zone, psABI 3.2.2)
 *
 * All of it is built here, in the one place every return to user mode
 * passes (kernel/entry.c), with interrupts on: the user stack may fault.
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "uapi/signal.h"
#include "kernel/signal.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "mm/uaccess.h"
#include "lib/printf.h"
#include "lib/string.h"

#define RED_ZONE 128
/* What sigreturn may change (Linux's FIX_EFLAGS): never IF, IOPL, NT, VM or ID. */
#define FIX_EFLAGS                                                                           \
	(RFLAGS_AC | RFLAGS_OF | RFLAGS_DF | RFLAGS_TF | RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | \
	 RFLAGS_PF | RFLAGS_CF | RFLAGS_RF)

size_t signal_frame_size(void) { return fpu_sigframe_size(); }

/* Linux's on_sig_stack: the stack grows down, so ss_sp itself is outside. */
bool signal_on_altstack(const struct task *t, uint64_t sp)
{
	return t->sas_size && sp > t->sas_sp && sp - t->sas_sp <= t->sas_size;
}

/* stack_t's ss_flags as sigaltstack and the frame's uc_stack report them. */
int signal_altstack_flags(const struct task *t, uint64_t sp)
{
	if (!t->sas_size)
		return K_SS_DISABLE;
	return (signal_on_altstack(t, sp) ? K_SS_ONSTACK : 0) | (int)t->sas_flags;
}

/*
 * sigaltstack, for the system call and for rt_sigreturn's uc_stack (Linux's
 * do_sigaltstack): not while running on it; SS_DISABLE turns it off; a
 * stack smaller than MINSIGSTKSZ is refused (and with AMX tile data, one
 * smaller than the frame, as Linux's dynamic-feature check).
 */
int signal_altstack(struct task *t, const struct k_stack *ss, uint64_t sp)
{
	uint32_t mode = (uint32_t)ss->ss_flags & ~K_SS_AUTODISARM;
	if (signal_on_altstack(t, sp))
		return -EPERM;
	if (mode != 0 && mode != K_SS_ONSTACK && mode != K_SS_DISABLE)
		return -EINVAL;
	if (mode == K_SS_DISABLE) {
		t->sas_sp = t->sas_size = t->sas_flags = 0;
		return 0;
	}
	if (ss->ss_size < K_MINSIGSTKSZ ||
	    ((fpu_cfg.xcr0 >> XFEATURE_XTILE_DATA & 1) && ss->ss_size <= signal_frame_size()))
		return -ENOMEM;
	t->sas_sp = ss->ss_sp;
	t->sas_size = ss->ss_size;
	t->sas_flags = (uint32_t)ss->ss_flags & K_SS_AUTODISARM;
	return 0;
}

/* Where the frame goes (Linux's get_sigframe), or 0 if it cannot. */
static uint64_t frame_address(struct task *t, const struct trap_frame *tf, uint64_t flags,
			      uint64_t *fpstate)
{
	uint64_t sp = tf->rsp - RED_ZONE;
	bool nested = signal_on_altstack(t, tf->rsp), entering = false;
	if ((flags & K_SA_ONSTACK) && t->sas_size && !nested) {
		sp = t->sas_sp + t->sas_size;
		entering = true;
	}
	*fpstate = (sp - fpu_sigframe_fpstate_size()) & ~63ul;
	uint64_t frame = ((*fpstate - sizeof(struct k_rt_sigframe)) & ~15ul) - 8;
	if (frame > sp || ((nested || entering) && !signal_on_altstack(t, frame)))
		return 0; /* wrapped, or would overflow the alternate stack */
	return frame;
}

void signal_fill_siginfo(struct k_siginfo *si, const struct ksiginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = info->signo;
	si->si_code = info->code;
	switch (info->signo) {
	case KSIGSEGV:
	case KSIGBUS:
	case KSIGILL:
	case KSIGFPE:
	case KSIGTRAP:
		if (info->code > 0 && info->code != K_SI_KERNEL) {
			si->fault.addr = info->addr;
			si->fault.pkey = info->pkey;
			return;
		}
		break;
	case KSIGCHLD:
		si->chld.pid = info->pid;
		si->chld.status = info->status;
		return;
	}
	si->kill.pid = info->pid;
}

static void fill_sigcontext(struct k_sigcontext *sc, const struct trap_frame *tf,
			    const struct task *t, uint64_t mask, uint64_t fpstate)
{
	*sc = (struct k_sigcontext){
		.r8 = tf->r8,
		.r9 = tf->r9,
		.r10 = tf->r10,
		.r11 = tf->r11,
		.r12 = tf->r12,
		.r13 = tf->r13,
		.r14 = tf->r14,
		.r15 = tf->r15,
		.rdi = tf->rdi,
		.rsi = tf->rsi,
		.rbp = tf->rbp,
		.rbx = tf->rbx,
		.rdx = tf->rdx,
		.rax = tf->rax,
		.rcx = tf->rcx,
		.rsp = tf->rsp,
		.rip = tf->rip,
		.eflags = tf->rflags,
		.cs = (uint16_t)tf->cs,
		.ss = (uint16_t)tf->ss,
		.err = t->trap_err,
		.trapno = t->trap_nr,
		.oldmask = mask,
		.cr2 = t->trap_cr2,
		.fpstate = fpstate,
	};
}

/* Build the frame and point the registers at the handler.  0 or -EFAULT. */
static int setup_rt_frame(struct trap_frame *tf, const struct ksiginfo *info,
			  const struct sigaction_k *ka, uint64_t oldmask)
{
	struct task *t = current();
	uint64_t fpstate, frame = frame_address(t, tf, ka->flags, &fpstate);
	const char *why = NULL;
	if (!frame)
		why = "the frame does not fit on the alternate signal stack";
	else if (!(ka->flags & K_SA_RESTORER))
		why = "no SA_RESTORER (x86-64 needs the return trampoline)";
	else if (fpu_sigframe_save(t, (void *)fpstate))
		why = "the stack cannot take the frame";
	if (why) {
		kprintf("kestrel: %s[%d] cannot take %s: %s (rsp %lx)\n", t->name, t->tid,
			signal_name(info->signo), why, tf->rsp);
		return -EFAULT;
	}
	struct k_rt_sigframe kf = {
		.pretcode = ka->restorer,
		.uc = {
			/* STRICT_RESTORE_SS only for 64-bit code, as Linux's
			 * frame_uc_flags: old 32-bit-aware programs (DOSEMU) may
			 * leave a stale SS in a frame of compatibility code. */
			.uc_flags = K_UC_SIGCONTEXT_SS |
				    (tf->cs == USER_CS ? K_UC_STRICT_RESTORE_SS : 0) |
				    (fpu_cfg.strategy != FPU_FXSAVE ? K_UC_FP_XSTATE : 0),
			.uc_stack = { .ss_sp = t->sas_sp, .ss_flags = signal_altstack_flags(t, tf->rsp),
				      .ss_size = t->sas_size },
			.uc_sigmask = oldmask,
		},
	};
	fill_sigcontext(&kf.uc.uc_mcontext, tf, t, oldmask, fpstate);
	signal_fill_siginfo(&kf.info, info);
	if (copy_to_user((void *)frame, &kf, sizeof(kf))) {
		fpu_signal_abort(t);
		kprintf("kestrel: %s[%d] cannot take %s: the stack cannot take the frame (rsp "
			"%lx)\n",
			t->name, t->tid, signal_name(info->signo), tf->rsp);
		return -EFAULT;
	}
	if (t->sas_flags & K_SS_AUTODISARM)
		t->sas_sp = t->sas_size = t->sas_flags = 0;
	fpu_reset_user_state(t); /* the handler starts from init */

	tf->rdi = (uint64_t)info->signo;
	tf->rsi = frame + offsetof(struct k_rt_sigframe, info);
	tf->rdx = frame + offsetof(struct k_rt_sigframe, uc);
	tf->rax = 0; /* for handlers declared without a prototype (varargs) */
	tf->rip = ka->handler;
	tf->rsp = frame;
	tf->cs = USER_CS; /* the handler runs in 64-bit mode, whatever was interrupted */
	tf->ss = USER_DS;
	/* The ABI's function entry: DF clear.  RF and TF clear, so the handler
	 * is neither single-stepped nor loses a debug trap (Linux). */
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_RF | RFLAGS_TF);
	return 0;
}

/* Linux's syscall_get_nr: the frame is a system call's, and may restart. */
static long syscall_nr(const struct trap_frame *tf)
{
	return tf->vector == T_SYSCALL && (int64_t)tf->error >= 0 ? (long)tf->error : -1;
}

static void restart_syscall(struct trap_frame *tf)
{
	tf->rax = tf->error; /* the number again */
	tf->rip -= 2;	     /* SYSCALL is 0F 05 */
}

/*
 * An interrupted system call, once the signal is dealt with: ka is the
 * handler about to run, or NULL if none ran.  A handler makes
 * -ERESTARTNOHAND, and -ERESTARTSYS without SA_RESTART, into -EINTR;
 * everything else restarts.
 */
static void restart_or_eintr(struct trap_frame *tf, const struct sigaction_k *ka)
{
	if (syscall_nr(tf) < 0)
		return;
	long ret = (long)tf->rax;
	if (ret != -ERESTARTSYS && ret != -ERESTARTNOHAND && ret != -ERESTARTNOINTR)
		return;
	if (ka && (ret == -ERESTARTNOHAND || (ret == -ERESTARTSYS && !(ka->flags & K_SA_RESTART))))
		tf->rax = (uint64_t)-EINTR;
	else
		restart_syscall(tf);
}

static __attribute__((noreturn)) void die(struct task *t, int sig, const struct ksiginfo *info)
{
	if (info->code == K_SI_USER || info->code == K_SI_TKILL)
		kprintf("kestrel: %s[%d] killed by %s (sent by pid %d)\n", t->name, t->tid,
			signal_name(sig), info->pid);
	else
		kprintf("kestrel: %s[%d] killed by %s\n", t->name, t->tid, signal_name(sig));
	process_kill(t->proc, W_SIGNALED(sig));
	task_exit(0);
}

/*
 * From exit_to_user_mode when TIF_SIGPENDING is set: take one signal and
 * act on it (Linux's arch_do_signal_or_restart).  With no handler to run,
 * an interrupted system call restarts, and a mask rt_sigsuspend replaced
 * comes back.
 */
void signal_deliver(struct trap_frame *tf)
{
	struct task *t = current();
	struct ksiginfo info;
	int sig;
	while ((sig = signal_dequeue(t, t->sigmask, &info))) {
		struct sigaction_k *ka = &t->proc->sigactions[sig - 1];
		if (ka->handler == K_SIG_IGN)
			continue;
		if (ka->handler == K_SIG_DFL) {
			if (signal_default_ignored(sig))
				continue;
			die(t, sig, &info);
		}
		uint64_t oldmask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
		restart_or_eintr(tf, ka);
		struct sigaction_k act = *ka;
		if (setup_rt_frame(tf, &info, &act, oldmask)) {
			/* Linux's force_sigsegv: a SIGSEGV that cannot be delivered kills. */
			if (sig == KSIGSEGV)
				ka->handler = K_SIG_DFL;
			signal_force(t, KSIGSEGV);
			continue;
		}
		t->restore_sigmask = false;
		if (act.flags & K_SA_RESETHAND)
			ka->handler = K_SIG_DFL;
		uint64_t block = act.mask | (act.flags & K_SA_NODEFER ? 0 : SIGMASK(sig));
		signal_set_mask(t, oldmask | block);
		return;
	}
	restart_or_eintr(tf, NULL);
	if (t->restore_sigmask) {
		t->restore_sigmask = false;
		signal_set_mask(t, t->saved_sigmask);
	}
}

/*
 * rt_sigreturn (Linux's restore_sigcontext): the frame is where the
 * handler's RET left RSP, minus the return address it popped.  Any fault
 * reading it, a CS or SS that is not a user segment, or an extended-state
 * image XRSTOR would refuse ends in SIGSEGV, never a kernel fault.
 */
long signal_sigreturn(struct trap_frame *tf)
{
	struct task *t = current();
	uint64_t frame = tf->rsp - 8;
	struct k_ucontext uc;
	if (copy_from_user(&uc, (void *)(frame + offsetof(struct k_rt_sigframe, uc)), sizeof(uc)))
		goto bad;
	signal_set_mask(t, uc.uc_sigmask);
	const struct k_sigcontext *sc = &uc.uc_mcontext;
	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rax = sc->rax, tf->rcx = sc->rcx, tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	tf->error = (uint64_t)-1; /* Linux's orig_ax = -1: nothing to restart */
	/*
	 * CS and SS get RPL 3, as Linux's; any selector other than the user
	 * code (64-bit or compatibility) and data segments would make IRETQ
	 * #GP in ring 0.  Linux takes that #GP and sends SIGSEGV; Kestrel
	 * refuses the selector first and sends the same SIGSEGV, with the
	 * registers restored and CS and SS left as the handler had them.
	 */
	uint16_t cs = sc->cs | 3, ss = sc->ss | 3;
	/* Without UC_STRICT_RESTORE_SS a return to 64-bit code gets a valid
	 * SS whatever the frame says (Linux's force_valid_ss, for DOSEMU and
	 * CRIU). */
	if (!(uc.uc_flags & K_UC_STRICT_RESTORE_SS) && cs == USER_CS)
		ss = USER_DS;
	bool segs_ok = (cs == USER_CS || cs == (USER_CS32 | 3)) && ss == USER_DS;
	if (segs_ok) {
		tf->cs = cs;
		tf->ss = ss;
	}
	if (fpu_sigframe_restore(t, (const void *)sc->fpstate)) {
		kprintf("kestrel: %s[%d] rt_sigreturn: bad extended state in the frame at %lx: "
			"reset to init, SIGSEGV\n",
			t->name, t->tid, sc->fpstate);
		goto segv;
	}
	if (!segs_ok) {
		kprintf("kestrel: %s[%d] rt_sigreturn: CS %x / SS %x are not user segments: "
			"SIGSEGV\n",
			t->name, t->tid, sc->cs, sc->ss);
		signal_force(t, KSIGSEGV);
		return (long)tf->rax;
	}
	/* uc_stack: the alternate stack as it was, if it can be (Linux's
	 * restore_altstack squashes every error). */
	signal_altstack(t, &uc.uc_stack, tf->rsp);
	return (long)tf->rax;
bad:
	kprintf("kestrel: %s[%d] rt_sigreturn: bad frame at %lx: SIGSEGV\n", t->name, t->tid,
		frame);
segv: /* Linux's badframe: SIGSEGV, and RAX 0 */
	tf->error = (uint64_t)-1;
	signal_force(t, KSIGSEGV);
	return 0;
}
