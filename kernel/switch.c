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
 * The user's data-segment selectors, DS, ES, FS and GS.  In 64-bit mode
 * neither SYSCALL nor an interrupt changes them (SDM vol. 3A 5.8.8, 7.14.2),
 * so while the kernel runs they are still the program's: saved here for
 * prev, loaded here for next, as Linux's __switch_to (savesegment,
 * loadsegment, load_seg_legacy).
 *
 * A selector is reloaded unless it is null on both sides: the same value
 * may name another process's LDT entry (ldt_load has just changed the
 * table), and in compatibility mode the cached base and limit are used.
 * It may also have stopped being loadable since the program loaded it (it
 * rewrote or cleared its LDT entry, kernel/ldt.c; exec freed the table):
 * the load then faults in the kernel, and the exception table resumes
 * with a null selector, as Linux's loadsegment fix-up does.
 *
 * FS and GS before their bases: in 64-bit mode a selector load also loads
 * the base from the descriptor (SDM vol. 3A 3.4.4), so the MSR writes
 * after it put the real bases back.  A GS load writes the active GS base,
 * the kernel's per-CPU one: it is done between two SWAPGS, so it lands in
 * the user's (KERNEL_GS_BASE, rewritten right after).  With interrupts
 * off only an NMI or #MC can come in between, and the kernel's own trap
 * path never reads GS (traps/vectors.asm: SWAPGS only from ring 3).
 */
#define SEG_READ(seg, var) asm volatile("mov %%" seg ", %0" : "=r"(var))
#define SEG_LOAD_OR_NULL(seg, sel, pre, post)                      \
	asm volatile(pre "1: mov %0, %%" seg "\n\t"                \
			 "jmp 3f\n"                                \
			 "2: mov %1, %%" seg "\n"                  \
			 "3:" post "\n" EXTABLE(1b, 2b)::"r"(sel), \
		     "r"(0)                                        \
		     : "memory")

static void save_user_segments(struct task *prev)
{
	SEG_READ("ds", prev->ds);
	SEG_READ("es", prev->es);
	SEG_READ("fs", prev->fsindex);
	SEG_READ("gs", prev->gsindex);
}

static void load_user_segments(const struct task *next)
{
	uint16_t ds, es, fs, gs;
	SEG_READ("ds", ds);
	SEG_READ("es", es);
	SEG_READ("fs", fs);
	SEG_READ("gs", gs);
	if (ds | next->ds)
		SEG_LOAD_OR_NULL("ds", next->ds, "", "");
	if (es | next->es)
		SEG_LOAD_OR_NULL("es", next->es, "", "");
	if (fs | next->fsindex)
		SEG_LOAD_OR_NULL("fs", next->fsindex, "", "");
	if (gs | next->gsindex)
		SEG_LOAD_OR_NULL("gs", next->gsindex, "swapgs\n", "swapgs");
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
		save_user_segments(prev);
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
