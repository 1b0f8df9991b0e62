/*
 * The IDT: 256 interrupt gates, one per stub in traps/vectors.asm.  Gates
 * (not trap gates) so the CPU clears IF on entry and the dispatcher decides
 * when to allow interrupts again.
 */
#include "kernel/kernel.h"
#include "cpu/frame.h"
#include "traps/traps.h"

struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256];
extern const uint64_t vector_table[256];

static void set_gate(int v, uint64_t handler, int ist, int dpl)
{
	idt[v] = (struct idt_gate){
		.offset0 = handler & 0xffff,
		.selector = KERNEL_CS,
		.ist = ist,
		.type_attr = 0x8e | (dpl << 5),	/* present, 64-bit interrupt gate */
		.offset1 = handler >> 16 & 0xffff,
		.offset2 = handler >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, vector_table[v], 0, 0);
	/* IST numbers match the stacks set up in cpu/gdt.c. */
	set_gate(T_DF, vector_table[T_DF], IST_DF, 0);
	set_gate(T_NMI, vector_table[T_NMI], IST_NMI, 0);
	set_gate(T_MC, vector_table[T_MC], IST_MC, 0);
	/*
	 * #DB too, as on Linux: a single-step trap can be delivered in ring 0
	 * at the first instruction of an entry, before it has switched to
	 * the kernel stack (SYSCALL with TF set on Bochs; MOV SS before
	 * SYSCALL or INT, CVE-2018-8897), where RSP is still the user's.
	 */
	set_gate(T_DB, vector_table[T_DB], IST_DB, 0);
	/* INT3 may be executed by user code (a debugger's breakpoint). */
	set_gate(T_BP, vector_table[T_BP], 0, 3);

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)idt,
	};
	asm volatile("lidt %0" :: "m"(idtr));
}
