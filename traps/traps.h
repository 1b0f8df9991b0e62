/* What traps/ offers the rest of the kernel. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/*
 * The one trap-frame layout.  traps/vectors.asm builds it for every vector
 * (pushing a zero where the CPU pushes no error code), and the SYSCALL
 * entry builds the same shape, so C sees one struct for every way in.
 * Lowest address first: what the stub pushed last comes first.
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU (SDM vol. 3A 7.14.2, 64-bit mode always pushes SS:RSP) */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Segment selectors, in the order SYSRET needs (see cpu/gdt.c). */
#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_CS32	0x18
#define USER_DS		(0x20 | 3)
#define USER_CS		(0x28 | 3)
#define TSS_SEL		0x30

enum {
	T_DE = 0, T_DB = 1, T_NMI = 2, T_BP = 3, T_OF = 4, T_BR = 5, T_UD = 6, T_NM = 7,
	T_DF = 8, T_TS = 10, T_NP = 11, T_SS = 12, T_GP = 13, T_PF = 14, T_MF = 16,
	T_AC = 17, T_MC = 18, T_XM = 19, T_VE = 20, T_CP = 21,
	T_IRQ0 = 32,		/* the 8259 PIC's lines are remapped here */
	T_SPURIOUS = 0xff,
};

/* Interrupt Stack Table slots (cpu/gdt.c, traps/idt.c); 0 means none. */
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, IST_DB = 4, IST_COUNT = 4 };

/* traps/vectors.asm: leave for user mode with the registers in tf (never returns). */
__attribute__((noreturn)) void return_to_user(struct trap_frame *tf);

/* traps/trap.c: every vector's C entry; the ENQCMD emulation raises the
 * exceptions of the instruction it performs through it. */
void trap_dispatch(struct trap_frame *tf);

void gdt_init(void);
void idt_init(void);
void tss_set_rsp0(uint64_t rsp0);
const char *trap_name(unsigned vector);
bool trap_from_user(const struct trap_frame *tf);
void trap_print_frame(const struct trap_frame *tf);

/* Interrupt handlers for hardware lines (IRQ 0-15). */
typedef void (*irq_handler_t)(struct trap_frame *tf);
void irq_register(unsigned irq, irq_handler_t fn);

/*
 * Exception-table fixups, as Linux's _ASM_EXTABLE: an instruction that may
 * fault is listed with the address to resume at.  The trap dispatcher
 * consults the table before declaring a kernel fault fatal.  This is how
 * copy-from-user survives a bad pointer, and how tests provoke traps.
 */
struct extable_entry {
	int32_t insn;	/* relative to the entry's own field, so the table */
	int32_t fixup;	/* needs no relocations */
};
#define EXTABLE(from, to) \
	".pushsection .extable, \"a\"\n" \
	".balign 4\n" \
	".long (" #from ") - .\n" \
	".long (" #to ") - .\n" \
	".popsection\n"

/*
 * The last exception an extable fixup recovered from.  Tests read it to
 * check the handler saw the right vector, error code, RIP and CR2.
 */
struct fixup_record {
	uint64_t vector, error, rip, cr2;
	uint64_t count;
};
extern struct fixup_record last_fixup;

/*
 * A test may install this to handle a kernel-mode exception that no
 * extable entry covers (an instruction fetch from an NX page, say): it
 * returns true after repairing the frame.  NULL outside tests.
 */
extern bool (*trap_test_hook)(struct trap_frame *tf);
