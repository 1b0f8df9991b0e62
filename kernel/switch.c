/*
 * Everything a context switch changes besides the kernel stack and CR3
 * (those are cpu/switch.asm's): the extended state, the stack the CPU
 * enters the kernel on, and the user's FS and GS bases.  Linux's
 * __switch_to.  Called by schedule() with interrupts off, just before
 * switch_to.
 */
#include "kernel/kernel.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "kernel/switch.h"
#include "kernel/task.h"

void switch_arch(struct task *prev, struct task *next)
{
	/* prev's registers to its buffer; next's PKRU now (fpu/switch.c). */
	fpu_switch_out(prev, next);
	cpu0.current = next;
	/* Where the CPU puts the frame on the next entry from ring 3: RSP0 in
	 * the TSS for interrupts (SDM vol. 3A 7.14.5), %gs:0 for SYSCALL. */
	cpu0.kernel_rsp = next->kstack_top;
	tss_set_rsp0(next->kstack_top);
	/* The bases the program has now, not what it last asked us for: a
	 * segment load, or WRFSBASE, changes them without a system call.  The
	 * user's GS base is in KERNEL_GS_BASE while the kernel runs (SWAPGS). */
	if (prev->proc) {
		prev->fs_base = rdmsr(MSR_FS_BASE);
		prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	}
	if (next->proc) {
		wrmsr(MSR_FS_BASE, next->fs_base);
		wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
	}
}
