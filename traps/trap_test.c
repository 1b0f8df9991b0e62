/*
 * Raise exceptions on purpose in kernel mode and check what the handler
 * saw.  Each faulting instruction has an extable entry, so the dispatcher
 * records the trap in last_fixup and resumes at the label after it.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "kernel/time.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "traps/traps.h"
#include "cpu/extable.h"

static void expect_fixup(struct ktest *t, uint64_t count, uint64_t vector, uint64_t error, uint64_t rip)
{
	KEXPECT_EQ(t, last_fixup.count, count + 1);
	KEXPECT_EQ(t, last_fixup.vector, vector);
	KEXPECT_EQ(t, last_fixup.error, error);
	KEXPECT_EQ(t, last_fixup.rip, rip);
}

static void trap_divide_error(struct ktest *t)
{
	uint64_t rip, count = last_fixup.count;
	asm volatile("leaq 1f(%%rip), %0\n"
		     "xorl %%eax, %%eax\n"
		     "xorl %%edx, %%edx\n"
		     "xorl %%ecx, %%ecx\n"
		     "1: divl %%ecx\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : "=&r"(rip) :: "rax", "rcx", "rdx", "memory");
	expect_fixup(t, count, T_DE, 0, rip);
}

static void trap_invalid_opcode(struct ktest *t)
{
	uint64_t rip, count = last_fixup.count;
	asm volatile("leaq 1f(%%rip), %0\n"
		     "1: ud2\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : "=&r"(rip) :: "memory");
	expect_fixup(t, count, T_UD, 0, rip);
}

/* #BP is a trap, not a fault: the saved RIP is the instruction after INT3. */
static void trap_breakpoint(struct ktest *t)
{
	uint64_t rip, count = last_fixup.count;
	asm volatile("leaq 1f(%%rip), %0\n"
		     "int3\n"
		     "1:\n" EXTABLE(1b, 1b)
		     : "=&r"(rip) :: "memory");
	expect_fixup(t, count, T_BP, 0, rip);
}

static void trap_page_fault(struct ktest *t)
{
	uint64_t rip, count = last_fixup.count, addr = 0xdead000;
	asm volatile("leaq 1f(%%rip), %0\n"
		     "1: movq $1, (%1)\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : "=&r"(rip) : "r"(addr) : "memory");
	expect_fixup(t, count, T_PF, 0x2, rip);	/* not present, write, supervisor */
	KEXPECT_EQ(t, last_fixup.cr2, addr);
}

/* A non-canonical address is a #GP(0), not a #PF (SDM vol. 3A 3.3.7.1). */
static void trap_general_protection(struct ktest *t)
{
	uint64_t rip, count = last_fixup.count, addr = 0x8000000000000000ul, v = 0;
	asm volatile("leaq 1f(%%rip), %0\n"
		     "1: movq (%2), %1\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : "=&r"(rip), "+r"(v) : "r"(addr) : "memory");
	expect_fixup(t, count, T_GP, 0, rip);
}

static void trap_registers_survive(struct ktest *t)
{
	/* The trap frame restores every general register on the way out. */
	uint64_t r12 = 0x1212121212121212, r15 = 0x1515151515151515, rbx = 0xb0b0b0b0;
	asm volatile("1: ud2\n2:\n" EXTABLE(1b, 2b) : "+r"(r12), "+r"(r15), "+b"(rbx) :: "memory");
	KEXPECT_EQ(t, r12, 0x1212121212121212);
	KEXPECT_EQ(t, r15, 0x1515151515151515);
	KEXPECT_EQ(t, rbx, 0xb0b0b0b0);
}

static void trap_timer_ticks(struct ktest *t)
{
	KASSERT(t, read_rflags() & (1 << 9));	/* interrupts are on */
	uint64_t start = timer_ticks();
	while (timer_ticks() < start + 5)
		hlt();
	KEXPECT(t, timer_ticks() >= start + 5);
}

KTEST_SUITE(trap,
	KTEST_CASE(trap_divide_error),
	KTEST_CASE(trap_invalid_opcode),
	KTEST_CASE(trap_breakpoint),
	KTEST_CASE(trap_page_fault),
	KTEST_CASE(trap_general_protection),
	KTEST_CASE(trap_registers_survive),
	KTEST_CASE(trap_timer_ticks));
