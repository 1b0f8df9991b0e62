/* The registers of an interrupted context, as every entry saves them (cpu/frame.c). */
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

/* Segment selectors: Linux's x86-64 values, in the order SYSRET needs (cpu/gdt.c). */
#define KERNEL_CS 0x10
#define KERNEL_DS 0x18
#define USER_CS32 0x20
#define USER_DS (0x28 | 3)
#define USER_CS (0x30 | 3)
#define TSS_SEL 0x40

enum {
	T_DE = 0,
	T_DB = 1,
	T_NMI = 2,
	T_BP = 3,
	T_OF = 4,
	T_BR = 5,
	T_UD = 6,
	T_NM = 7,
	T_DF = 8,
	T_TS = 10,
	T_NP = 11,
	T_SS = 12,
	T_GP = 13,
	T_PF = 14,
	T_MF = 16,
	T_AC = 17,
	T_MC = 18,
	T_XM = 19,
	T_VE = 20,
	T_CP = 21,
	T_IRQ0 = 32,	  /* the 8259 PIC's lines are remapped here */
	T_SYSCALL = 0x80, /* not a vector: a SYSCALL frame, error = the call's number */
	T_SPURIOUS = 0xff,
};

/* Interrupt Stack Table slots (cpu/gdt.c, traps/idt.c); 0 means none. */
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, IST_DB = 4, IST_COUNT = 4 };

static inline bool trap_from_user(const struct trap_frame *tf)
{
	return (tf->cs & 3) != 0;	/* CPL of the interrupted code, SDM vol. 3A 5.5 */
}

const char *trap_name(unsigned vector);
void trap_print_frame(const struct trap_frame *tf);	/* for panics */
