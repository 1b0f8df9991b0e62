/*
 * The way back to user mode.  Every exit to ring 3 (after an interrupt, an
 * exception or a system call, and a new task's first one) calls
 * exit_to_user_mode() last, so the work a task owes before it may run user
 * code is done in exactly one place:
 *   TIF_KILLED         the task is to die instead (exit_group, fatal fault)
 *   TIF_NEED_RESCHED   its time slice is over: let someone else run first
 *   TIF_SIGPENDING     a signal to act on: a handler's frame, or death
 *   TIF_NEED_FPU_LOAD  its extended state is not in the registers: load it
 * The FPU load comes last and with interrupts off, so nothing can take the
 * registers away between the XRSTOR and the IRETQ/SYSRETQ.
 */
#include "kernel/kernel.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "kernel/sched.h"
#include "kernel/entry.h"
#include "kernel/main.h"
#include "lib/printf.h"
#include "kernel/panic.h"
#include "kernel/signal.h"
#include "uapi/signal.h"

void exit_to_user_mode(struct trap_frame *tf)
{
	struct task *t = current();
	/* The frame must be where every entry from ring 3 puts it (RSP0,
	 * %gs:0, or trap_common's move off an IST stack): this may sleep. */
	if (tf != task_user_frame(t))
		panic_frame(tf, "exit_to_user_mode: frame at %lx, not on %s's kernel stack",
			    (uint64_t)tf, t->name);
	static bool booted;
	if (!booted) {
		booted = true;
		kprintf("boot: %lu TSC ticks from kernel entry to the first user instruction\n",
			rdtsc() - boot_tsc);
	}
	for (;;) {
		cli();
		uint32_t work = t->flags;
		if (work & TIF_KILLED) {
			sti();
			task_exit(0);
		}
		if (work & TIF_NEED_RESCHED) {
			schedule();
			continue;	/* anything may have changed while away */
		}
		if (work & TIF_SIGPENDING) {
			sti();
			signal_deliver(tf); /* may fault on the user stack, or exit */
			continue;
		}
		/* IRETQ/SYSRETQ to a non-canonical RIP faults in ring 0 on Intel
		 * CPUs (SDM vol. 2A IRET: #GP(0)), with the user's registers half
		 * loaded.  Make it the user's #GP before getting there, as Linux's
		 * bad-IRET fix-up does: SIGSEGV, with that RIP in the frame.  A
		 * kernel address (a handler a program pointed there) is refused
		 * the same way: it could never run in ring 3. */
		if (tf->rip >= USER_TOP) {
			sti();
			struct ksiginfo info = { .signo = KSIGSEGV, .code = K_SI_KERNEL };
			char why[80];
			ksnprintf(
				why, sizeof(why),
				"#GP general protection: return to rip %lx, outside the user half",
				tf->rip);
			tf->vector = T_GP;
			tf->error = 0;
			signal_fault(tf, &info, why);
			continue;
		}
		if (work & TIF_NEED_FPU_LOAD) {
			if (fpu_restore_for_user(t)) {
				/* The CPU refused the task's own image: the task's
				 * fault, not the kernel's (its state is init now). */
				kprintf("kestrel: %s[%d] killed: its saved extended state faulted on restore\n",
					t->name, t->tid);
				process_kill(t->proc, W_SIGNALED(SIGSEGV));
				t->flags |= TIF_KILLED;
			}
			continue;
		}
		return;
	}
}
