#include "kernel/kernel.h"
#include "cpu/cpu.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "traps/traps.h"
#include "cpu/extable.h"
#include "mm/pmm.h"
#include "mm/vm.h"

/* A user-half address the kernel page tables leave unused. */
#define TEST_VA 0x0000400000000000ul

/* Each access that should fault is one instruction with an extable entry:
 * on a fault it resumes after it and last_fixup says what happened. */
static uint64_t faulting_read(uint64_t va, uint64_t *rip)
{
	uint64_t v = 0;
	asm volatile("leaq 1f(%%rip), %1\n"
		     "1: movq (%2), %0\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : "+r"(v), "=&r"(*rip) : "r"(va) : "memory");
	return v;
}

static void faulting_write(uint64_t va, uint64_t *rip)
{
	asm volatile("leaq 1f(%%rip), %0\n"
		     "1: movb $0, (%1)\n"
		     "2:\n" EXTABLE(1b, 2b)
		     : "=&r"(*rip) : "r"(va) : "memory");
}

static void vm_map_unmap(struct ktest *t)
{
	uint64_t root = vm_kernel_root(), rip;
	uint64_t pa = pmm_alloc_zeroed();
	KASSERT(t, pa != 0);
	*(uint64_t *)phys_to_virt(pa) = 0x1234abcd;
	KASSERT_EQ(t, vm_map(root, TEST_VA, pa, PTE_W | PTE_NX), 0);
	KEXPECT_EQ(t, *(volatile uint64_t *)TEST_VA, 0x1234abcd);	/* same page, two names */
	KEXPECT_EQ(t, *vm_walk(root, TEST_VA, false) & PTE_ADDR, pa);
	KEXPECT_EQ(t, vm_unmap(root, TEST_VA), pa);
	KEXPECT_EQ(t, vm_unmap(root, TEST_VA), 0);
	uint64_t count = last_fixup.count;
	faulting_read(TEST_VA, &rip);		/* the TLB entry must be gone too */
	KEXPECT_EQ(t, last_fixup.count, count + 1);
	KEXPECT_EQ(t, last_fixup.vector, T_PF);
	KEXPECT_EQ(t, last_fixup.cr2, TEST_VA);
	pmm_free(pa);
}

static void vm_kernel_text_is_read_only(struct ktest *t)
{
	uint64_t rip, count = last_fixup.count;
	faulting_write((uint64_t)&vm_kernel_root, &rip);
	KEXPECT_EQ(t, last_fixup.count, count + 1);
	KEXPECT_EQ(t, last_fixup.vector, T_PF);
	KEXPECT_EQ(t, last_fixup.error, 0x3);	/* present | write, supervisor */
	KEXPECT_EQ(t, last_fixup.rip, rip);
}

static void vm_data_and_direct_map_are_nx(struct ktest *t)
{
	extern char _data_start[];
	if (!cpu_has(X86_FEATURE_NX))
		KSKIP(t, "CPU has no NX");
	KEXPECT(t, rdmsr(MSR_EFER) & EFER_NXE);
	KEXPECT(t, *vm_walk(vm_kernel_root(), (uint64_t)_data_start, false) & PTE_NX);
	KEXPECT(t, !(*vm_walk(vm_kernel_root(), (uint64_t)&vm_kernel_root, false) & PTE_NX));
}

/* Executing from a page that forbids it: the hook plays "return" for the
 * called page, as if its RET had run. */
static struct trap_frame seen;
static bool return_to_caller(struct trap_frame *tf)
{
	seen = *tf;
	tf->rip = *(uint64_t *)tf->rsp;
	tf->rsp += 8;
	return true;
}

static uint64_t exec_fault(uint64_t flags)
{
	uint64_t pa = pmm_alloc_zeroed();
	*(uint8_t *)phys_to_virt(pa) = 0xc3;		/* RET */
	vm_map(vm_kernel_root(), TEST_VA, pa, flags);
	seen.vector = ~0ul;
	trap_test_hook = return_to_caller;
	((void (*)(void))TEST_VA)();
	trap_test_hook = NULL;
	pmm_free(vm_unmap(vm_kernel_root(), TEST_VA));
	return seen.vector;
}

static void vm_nx_page_does_not_execute(struct ktest *t)
{
	if (!cpu_has(X86_FEATURE_NX))
		KSKIP(t, "CPU has no NX");
	KEXPECT_EQ(t, exec_fault(PTE_NX), T_PF);
	KEXPECT_EQ(t, seen.error, 0x11);	/* present | instruction fetch */
	KEXPECT_EQ(t, read_cr2(), TEST_VA);
	KEXPECT_EQ(t, exec_fault(0), ~0ul);	/* the same page without NX runs */
}

static void vm_smep_and_smap_guard_user_pages(struct ktest *t)
{
	if (!cpu_has(X86_FEATURE_SMEP) || !cpu_has(X86_FEATURE_SMAP))
		KSKIP(t, "CPU lacks SMEP or SMAP");
	KEXPECT_EQ(t, exec_fault(PTE_U), T_PF);	/* SMEP: kernel runs a user page */
	KEXPECT_EQ(t, seen.error, 0x11);

	uint64_t pa = pmm_alloc_zeroed(), rip, count = last_fixup.count;
	vm_map(vm_kernel_root(), TEST_VA, pa, PTE_U | PTE_W | PTE_NX);
	faulting_read(TEST_VA, &rip);			/* SMAP: kernel reads a user page */
	KEXPECT_EQ(t, last_fixup.count, count + 1);
	KEXPECT_EQ(t, last_fixup.error, 0x1);
	pmm_free(vm_unmap(vm_kernel_root(), TEST_VA));
}

static void vm_stack_guard_pages_fault(struct ktest *t)
{
	extern char boot_stack_guard[];
	uint64_t rip, count = last_fixup.count;
	faulting_read((uint64_t)boot_stack_guard + 8, &rip);
	KEXPECT_EQ(t, last_fixup.count, count + 1);
	KEXPECT_EQ(t, last_fixup.vector, T_PF);
	KEXPECT_EQ(t, last_fixup.cr2, (uint64_t)boot_stack_guard + 8);
	KEXPECT_EQ(t, last_fixup.error, 0);	/* not present, read */

	kstack_free(kstack_alloc());	/* the first use may allocate page tables */
	size_t before = pmm_free_count();
	uint8_t *top = kstack_alloc();
	KASSERT(t, top != NULL);
	top[-1] = 1;					/* the stack itself is mapped */
	uint64_t guard = (uint64_t)top - KSTACK_PAGES * PAGE_SIZE - 8;
	faulting_write(guard, &rip);
	KEXPECT_EQ(t, last_fixup.count, count + 2);
	KEXPECT_EQ(t, last_fixup.cr2, guard);
	kstack_free(top);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

KTEST_SUITE(vm,
	KTEST_CASE(vm_map_unmap),
	KTEST_CASE(vm_kernel_text_is_read_only),
	KTEST_CASE(vm_data_and_direct_map_are_nx),
	KTEST_CASE(vm_nx_page_does_not_execute),
	KTEST_CASE(vm_smep_and_smap_guard_user_pages),
	KTEST_CASE(vm_stack_guard_pages_fault));
