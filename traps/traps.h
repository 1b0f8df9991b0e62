/* The ways in (traps/): the IDT, the vectors, and what tests may ask of them. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "cpu/frame.h"

/* traps/vectors.asm: leave for user mode with the registers in tf (never returns). */
__attribute__((noreturn)) void return_to_user(struct trap_frame *tf);

/* traps/trap.c: every vector's C entry; the ENQCMD emulation raises the
 * exceptions of the instruction it performs through it. */
void trap_dispatch(struct trap_frame *tf);
/* A user #GP(0): SIGSEGV, or death with why on the console. */
void user_gp_fault(struct trap_frame *tf, const char *why);

void idt_init(void);
void syscall_init(void);			/* traps/syscall_msrs.c */


/*
 * The last exception an extable fixup recovered from.  Tests read it to
 * check the handler saw the right vector, error code, RIP and CR2.
 */
struct fixup_record {
	uint64_t vector, error, rip, cr2;
	uint64_t count;
};
extern struct fixup_record last_fixup;

#ifdef KESTREL_TEST
/*
 * A test may install this to handle a kernel-mode exception that no
 * extable entry covers (an instruction fetch from an NX page, say): it
 * returns true after repairing the frame.  Only in the test kernel.
 */
extern bool (*trap_test_hook)(struct trap_frame *tf);
#endif
