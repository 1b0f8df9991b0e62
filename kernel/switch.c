/*
 * Everything a context switch changes besides the kernel stack and CR3
 * (those are cpu/switch.asm's): the extended state, the stack the CPU
 * enters the kernel on, and the user's FS and GS bases.  Linux's
 * __switch_to.  Called by schedule() with interrupts off, just before
 * switch_to.
 */
#include "kernel/kernel.h"
#include "cpu/gdt.h"
#include "cpu/frame.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "kernel/switch.h"
#include "kernel/task.h"
#include "kernel/ldt.h"
#include "cpu/extable.h"

/*
 * next's FS and GS selectors, before its bases: in 64-bit mode a selector
 * load also loads the base from the descriptor (SDM vol. 3A 3.4.4), so the
 * MSR writes after it put the real bases back.  A GS load writes the
 * active GS base, the kernel's per-CPU one: it is done between two SWAPGS,
 * so it lands in the user's (KERNEL_GS_BASE, rewritten right after).  With
 * interrupts off only an NMI or #MC can come in between, and the kernel's
 * own trap path never reads GS (traps/vectors.asm: SWAPGS only from ring 3).
 */
/*
 * A selector may have stopped being loadable since the program loaded it
 * (it rewrote or cleared its LDT entry, kernel/ldt.c): the load then faults
 * in the kernel, and the exception table resumes with a null selector, as
 * Linux's loadsegment fix-up does.
 */
static void load_user_segments(const struct task *next)
{
	uint16_t fs, gs;
	asm volatile("mov %%fs, %0" : "=r"(fs));
	asm volatile("mov %%gs, %0" : "=r"(gs));
	if (fs != next->fsindex)
		asm volatile("1: mov %0, %%fs\n\t"
			     "jmp 3f\n"
			     "2: mov %1, %%fs\n"
			     "3:\n" EXTABLE(1b, 2b)::"r"(next->fsindex),
			     "r"(0));
	if (gs != next->gsindex)
		asm volatile("swapgs\n"
			     "1: mov %0, %%gs\n\t"
			     "jmp 3f\n"
			     "2: mov %1, %%gs\n"
			     "3: swapgs\n" EXTABLE(1b, 2b)::"r"(next->gsindex),
			     "r"(0)
			     : "memory");
}

void switch_arch(struct task *prev, struct task *next)
{
	/* prev's registers to its buffer; next's PKRU now (fpu/switch.c). */
	fpu_switch_out(prev, next);
	cpu0.current = next;
	/* Where the CPU puts the frame on the next entry from ring 3: RSP0 in
	 * the TSS for interrupts (SDM vol. 3A 7.14.5), %gs:0 for SYSCALL. */
	cpu0.kernel_rsp = next->kstack_top;
	tss_set_rsp0(next->kstack_top);
	/* The selectors and bases the program has now, not what it last asked
	 * us for: a segment load, or WRFSBASE, changes them without a system
	 * call.  The user's GS base is in KERNEL_GS_BASE while the kernel runs
	 * (SWAPGS).  As Linux's save_fsgs and load_seg_legacy. */
	if (prev->proc) {
		asm volatile("mov %%fs, %0" : "=r"(prev->fsindex));
		asm volatile("mov %%gs, %0" : "=r"(prev->gsindex));
		prev->fs_base = rdmsr(MSR_FS_BASE);
		prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	}
	/*
	 * An interrupt from ring 3 loads SS with a null selector (SDM vol. 3A
	 * 7.14.2), and on some CPUs SYSRET keeps SS's cached attributes rather
	 * than loading fixed ones (AMD's; Bochs's too: cpu/proc_ctrl.cc,
	 * "SS base, limit, attributes unchanged").  A task that then leaves by
	 * SYSRET for compatibility-mode code would get a null SS's attributes,
	 * a 16-bit stack.  Reload the kernel's SS first, as Linux does for
	 * X86_BUG_SYSRET_SS_ATTRS (Linux's sysret_ss_attrs test).
	 */
	uint16_t ss;
	asm volatile("mov %%ss, %0" : "=r"(ss));
	if (ss != KERNEL_DS)
		asm volatile("mov %0, %%ss" ::"r"(KERNEL_DS));
	if (next->proc) {
		ldt_load(next->proc); /* before the selectors, which may be the LDT's */
		load_user_segments(next);
		wrmsr(MSR_FS_BASE, next->fs_base);
		wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
	}
}
