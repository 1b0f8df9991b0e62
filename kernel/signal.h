/*
 * Signals (kernel/signal.c, the frame in kernel/sigframe.c): sending,
 * the default actions, and delivery on the way back to user mode, as
 * Linux's kernel/signal.c and arch/x86/kernel/signal*.c.  docs/signals.md.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct task;
struct process;
struct trap_frame;
struct sigpending;

/* What a siginfo_t says, before it is laid out for user space. */
struct ksiginfo {
	int signo, code;
	int pid;       /* kill, tkill, SIGCHLD: who */
	int status;    /* SIGCHLD: exit code or signal */
	uint64_t addr; /* faults: the address */
	uint32_t pkey; /* SEGV_PKUERR: the key */
};

#define SIGMASK(sig) (1ull << ((sig)-1))
#define SIG_UNBLOCKABLE (SIGMASK(9) | SIGMASK(19)) /* SIGKILL, SIGSTOP: never blocked */

/*
 * "Restart the system call" results (Linux's include/linux/errno.h): never
 * seen by user space.  A sleep that a signal ends returns one of these, and
 * delivery turns it into -EINTR or a restart, as the handler's SA_RESTART
 * says (kernel/sigframe.c).
 */
#define ERESTARTSYS 512	   /* restart if SA_RESTART or no handler ran */
#define ERESTARTNOINTR 513 /* always restart */
#define ERESTARTNOHAND 514 /* restart only if no handler ran */

/* kernel/signal.c */
int signal_send(struct task *t, const struct ksiginfo *info);		 /* tkill */
int signal_send_process(struct process *p, const struct ksiginfo *info); /* kill */
void signal_send_session(int sid, int sig);				 /* ^C, from an IRQ */
void signal_fault(struct trap_frame *tf, const struct ksiginfo *info, const char *why);
void signal_force(struct task *t, int sig); /* SI_KERNEL, unblocked and not ignored */
void signal_recalc(struct task *t);	    /* TIF_SIGPENDING from what waits */
void signal_set_mask(struct task *t, uint64_t mask);
void signal_flush(struct sigpending *p); /* free the queue (exit) */
void signal_exec(struct process *p);	 /* handlers back to SIG_DFL */
void signal_discard_ignored(struct process *p, int sig);
int signal_dequeue(struct task *t, uint64_t mask, struct ksiginfo *info);
bool signal_allowed(const struct process *from, const struct process *to);
const char *signal_name(int sig);
bool signal_default_ignored(int sig);

/* kernel/sigframe.c: from exit_to_user_mode, interrupts on. */
void signal_deliver(struct trap_frame *tf);
long signal_sigreturn(struct trap_frame *tf);
size_t signal_frame_size(void); /* AT_MINSIGSTKSZ: the worst case */
bool signal_on_altstack(const struct task *t, uint64_t sp);
int signal_altstack_flags(const struct task *t, uint64_t sp);
struct k_stack;
struct k_siginfo;
void signal_fill_siginfo(struct k_siginfo *si, const struct ksiginfo *info);
int signal_altstack(struct task *t, const struct k_stack *ss, uint64_t sp);
