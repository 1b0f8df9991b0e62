/* The exception table (traps/trap.c consults it; linker.ld collects it). */
#pragma once
#include <stdint.h>

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
