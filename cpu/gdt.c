/*
 * The GDT and the TSS.  In 64-bit mode segmentation is mostly gone, but the
 * CPU still needs: code/data descriptors for rings 0 and 3, laid out in the
 * order SYSCALL/SYSRET assume (SDM vol. 2B SYSRET: user CS = STAR[63:48]+16,
 * user SS = STAR[63:48]+8), and a TSS that holds the ring-0 stack for
 * interrupts from user mode (RSP0) and the IST stacks.
 */
#include "kernel/kernel.h"
#include "cpu/frame.h"
#include "cpu/gdt.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/*
 * #DF, NMI, #MC and #DB can arrive when the current stack is unusable (a
 * kernel stack overflow is the classic #DF; #DB and NMI can come at the
 * SYSCALL entry's first instruction, RSP still the user's), so they switch
 * to stacks of their own through the Interrupt Stack Table (SDM vol. 3A
 * 7.14.5).  One each: none of them can nest on its own stack (the CPU
 * blocks NMIs until IRET; the kernel never single-steps itself), and from
 * user mode trap_common moves the frame to the task's stack at once.
 */
#define IST_STACK_SIZE 4096
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));

static struct tss tss;

/* Access byte and flags of each descriptor (SDM vol. 3A 3.4.5). */
#define SEG(access, flags) (((uint64_t)(access) << 40) | ((uint64_t)(flags) << 52) | 0xffff | (0xful << 48))
/*
 * Linux's x86-64 layout (arch/x86/include/asm/segment.h), so that the
 * selectors a program sees (CS 0x33, SS 0x2b, 32-bit CS 0x23) and the ones
 * programs written for Linux hard-code (Linux's own selftests far-call
 * 0x23) are the same.  SYSCALL and SYSRET need kernel data right after
 * kernel code, and 32-bit user code, user data, 64-bit user code in a row
 * (traps/syscall_msrs.c: STAR).
 */
static uint64_t gdt[12] = {
	0, 0,		/* 0x08 (Linux: 32-bit kernel code, for boot): unused */
	SEG(0x9a, 0x2), /* 0x10 kernel code: present, DPL 0, exec/read, L */
	/* 0x18 kernel data: B = 1 and G, as Linux's.  A CPU whose SYSRET keeps
	 * SS's cached attributes instead of loading fixed ones (AMD's, and
	 * Bochs's) hands these to compatibility-mode code as its stack's:
	 * with B = 0, Linux's sysret_ss_attrs test wrapped at 64 KiB. */
	SEG(0x92, 0xc), SEG(0xfa, 0xc), /* 0x23 user code, 32-bit (compatibility mode) */
	/* 0x2b user data, DPL 3.  B = 1, and G: 64-bit mode ignores both, but
	 * compatibility-mode code uses SS as a 32-bit stack (SDM vol. 3A
	 * 3.4.5: with B = 0 it would be a 16-bit one, pushes would wrap at 64
	 * KiB, and an IRETQ to it would leave RSP's bits 31:16 from the kernel
	 * stack: Linux's espfix problem, and Linux's sigreturn test saw it). */
	SEG(0xf2, 0xc), SEG(0xfa, 0x2), /* 0x33 user code, 64-bit, DPL 3 */
	0, 0, 0,			/* 0x40 the TSS takes two slots in long mode */
	0, 0, /* 0x50 the running process's LDT, if it has one (gdt_load_ldt) */
};
#define TSS_SLOT (TSS_SEL / 8)
#define LDT_SEL 0x50

/*
 * The running process's LDT (modify_ldt, kernel/ldt.c): a system
 * descriptor of type 2 in the GDT, then LLDT (SDM vol. 3A 3.5.1, 8.2.3);
 * none: a null LDTR, so every LDT selector is a #GP.  The table is kernel
 * memory, never mapped for the user, whose descriptors kernel/ldt.c wrote.
 */
void gdt_load_ldt(const void *ldt, unsigned entries)
{
	static const void *loaded;
	if (!entries) {
		if (loaded)
			asm volatile("lldt %w0" ::"r"(0));
		loaded = NULL;
		return;
	}
	uint64_t base = (uint64_t)ldt, limit = entries * 8 - 1;
	gdt[LDT_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82ul << 40) |
			   ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[LDT_SEL / 8 + 1] = base >> 32;
	asm volatile("lldt %w0" ::"r"(LDT_SEL) : "memory");
	loaded = ldt;
}

void tss_set_rsp0(uint64_t rsp0)
{
	tss.rsp[0] = rsp0;
}

void gdt_init(void)
{
	for (int i = 0; i < IST_COUNT; i++)
		tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];	/* IST n is ist[n - 1] */
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap: ring 3 gets no ports */

	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	gdt[TSS_SLOT] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
			((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[TSS_SLOT + 1] = base >> 32;

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof(gdt) - 1, (uint64_t)gdt,
	};
	/*
	 * Reload CS with a far return, the data segments directly, then the
	 * TSS.  And a null LDTR: Kestrel has no LDT, but the LDTR keeps its
	 * reset value (base 0, limit 0xffff, SDM vol. 3A 9.1.1) until loaded,
	 * so an LDT selector from ring 3 would make the CPU read descriptors,
	 * call gates among them, from the user's own pages at 0-64 KiB.  A null
	 * LDTR makes every LDT selector a #GP.
	 */
	asm volatile("lgdt %0\n"
		     "pushq %1\n"
		     "leaq 1f(%%rip), %%rax\n"
		     "pushq %%rax\n"
		     "lretq\n"
		     "1:\n"
		     "movw %w2, %%ax\n"
		     "movw %%ax, %%ds\n"
		     "movw %%ax, %%es\n"
		     "movw %%ax, %%ss\n"
		     "xorl %%eax, %%eax\n"
		     "movw %%ax, %%fs\n"
		     "movw %%ax, %%gs\n"
		     "ltr %w3\n"
		     "lldt %%ax\n"		/* ax is 0 */
		     :: "m"(gdtr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(TSS_SEL)
		     : "rax", "memory");
}
