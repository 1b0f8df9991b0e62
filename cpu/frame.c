/*
 * Naming and printing a trap frame: what a panic shows (kernel/panic.c)
 * and what a killed task's one-line reason says (traps/trap.c).
 */
#include "kernel/kernel.h"
#include "cpu/frame.h"
#include "cpu/x86.h"

static const char *const names[32] = {
	[T_DE] = "#DE divide error", [T_DB] = "#DB debug", [T_NMI] = "NMI",
	[T_BP] = "#BP breakpoint", [T_OF] = "#OF overflow", [T_BR] = "#BR bound range",
	[T_UD] = "#UD invalid opcode", [T_NM] = "#NM device not available",
	[T_DF] = "#DF double fault", [9] = "coprocessor segment overrun",
	[T_TS] = "#TS invalid TSS", [T_NP] = "#NP segment not present",
	[T_SS] = "#SS stack fault", [T_GP] = "#GP general protection",
	[T_PF] = "#PF page fault", [T_MF] = "#MF x87 floating point",
	[T_AC] = "#AC alignment check", [T_MC] = "#MC machine check",
	[T_XM] = "#XM SIMD floating point", [T_VE] = "#VE virtualization",
	[T_CP] = "#CP control protection",
};

const char *trap_name(unsigned vector)
{
	if (vector < 32)
		return names[vector] ? names[vector] : "reserved exception";
	return vector < T_IRQ0 + 16 ? "hardware interrupt" : "interrupt";
}

void trap_print_frame(const struct trap_frame *tf)
{
	kprintf("  rip %016lx  cs %04lx  rflags %08lx  rsp %016lx  ss %04lx\n",
		tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
	kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr2());
	kprintf("  vector %lu  error %lx  cr0 %lx  cr3 %lx  cr4 %lx\n",
		tf->vector, tf->error, read_cr0(), read_cr3(), read_cr4());
}
