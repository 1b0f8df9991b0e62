/*
 * The assembly/C contract, generated: every offset and constant the NASM
 * files and linker.ld use comes from the C definitions here, as Linux's
 * asm-offsets.c.  The Makefile compiles this file to assembly only (it is
 * never linked); each DEFINE leaves a "->NAME high low" marker there, which
 * the Makefile turns into build/generated/asm-offsets.inc (%define NAME
 * 0x...) for NASM, and each DEFINE_LD into asm-offsets.ld for the linker.
 * A field moved in C moves the assembly with it.
 */
#include <stddef.h>
#include "kernel/kernel.h"
#include "cpu/frame.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "mm/uvm.h"
#include "mm/vm.h"

/* As two signed 32-bit halves: with -mcmodel=kernel an immediate must fit
 * in 32 signed bits, and the compiler prints it in decimal. */
#define EMIT(marker, name, val) \
	asm volatile("\n.ascii \"" marker name " %c0 %c1\"" \
		     :: "i"((int32_t)((uint64_t)(val) >> 32)), "i"((int32_t)((uint64_t)(val) & 0xffffffffu)))
#define DEFINE(sym, val)	EMIT("->", #sym, val)	/* #sym: the name, not its value */
#define DEFINE_LD(sym, val)	EMIT("=>", #sym, val)

void asm_offsets(void);
void asm_offsets(void)
{
	/* cpu/switch.asm */
	DEFINE(TASK_SAVED_RSP, offsetof(struct task, saved_rsp));
	DEFINE(TASK_CR3, offsetof(struct task, cr3));

	/* traps/frame.inc: struct trap_frame (cpu/frame.h), struct cpu */
	DEFINE(TF_R15, offsetof(struct trap_frame, r15));
	DEFINE(TF_R11, offsetof(struct trap_frame, r11));
	DEFINE(TF_RCX, offsetof(struct trap_frame, rcx));
	DEFINE(TF_RAX, offsetof(struct trap_frame, rax));
	DEFINE(TF_VECTOR, offsetof(struct trap_frame, vector));
	DEFINE(TF_ERROR, offsetof(struct trap_frame, error));
	DEFINE(TF_RIP, offsetof(struct trap_frame, rip));
	DEFINE(TF_CS, offsetof(struct trap_frame, cs));
	DEFINE(TF_RFLAGS, offsetof(struct trap_frame, rflags));
	DEFINE(TF_RSP, offsetof(struct trap_frame, rsp));
	DEFINE(TF_SS, offsetof(struct trap_frame, ss));
	DEFINE(TF_SIZE, sizeof(struct trap_frame));
	DEFINE(CPU_KERNEL_RSP, offsetof(struct cpu, kernel_rsp));
	DEFINE(CPU_USER_RSP, offsetof(struct cpu, user_rsp));

	/* traps/syscall.asm: the selectors SYSCALL/SYSRET imply (cpu/gdt.c), and
	 * the first address SYSRETQ may not return to. */
	DEFINE(KERNEL_CS, KERNEL_CS);
	DEFINE(USER_CS, USER_CS);
	DEFINE(USER_DS, USER_DS);
	DEFINE(USER_CS32, USER_CS32 | 3);
	DEFINE(USER_TASK_SIZE, USER_TASK_SIZE);
	DEFINE(T_SYSCALL, T_SYSCALL);

	/* boot/entry.asm: the address map and the early page tables */
	DEFINE(KERNEL_VMA, KERNEL_VMA);
	DEFINE(PHYS_BASE, PHYS_BASE);
	DEFINE(PTE_P, PTE_P);
	DEFINE(PTE_W, PTE_W);
	DEFINE(PTE_PS, PTE_PS);

	/* linker.ld */
	DEFINE_LD(KERNEL_VMA, KERNEL_VMA);
}
