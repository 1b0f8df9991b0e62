#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "cpu/cpu.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "cpu/extable.h"
#include "mm/vm.h"
#include "mm/lookup.h"

/* The whole range must lie in the user half; beware of wrap-around. */
bool access_ok(const void *p, size_t n)
{
	uint64_t a = (uint64_t)p;
	return a + n >= a && a + n <= USER_TOP;
}

/*
 * Copy with REP MOVSB.  If it faults, the extable fixup resumes at 2:
 * with RCX still counting the bytes not copied (SDM: string instructions
 * update RCX as they go, so a fault leaves an exact count).  With SMAP on,
 * ring 0 may touch user pages only while RFLAGS.AC is set (STAC..CLAC);
 * without SMAP those two instructions are #UD, so there are two versions.
 */
static size_t copy_user_raw(void *dst, const void *src, size_t n)
{
	if (cpu_has(X86_FEATURE_SMAP))
		asm volatile("stac\n"
			     "1: rep movsb\n"
			     "2: clac\n"
			     EXTABLE(1b, 2b)
			     : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
	else
		asm volatile("1: rep movsb\n"
			     "2:\n"
			     EXTABLE(1b, 2b)
			     : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
	return n;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!access_ok(usrc, n))
		return -EFAULT;
	return copy_user_raw(dst, usrc, n) ? -EFAULT : 0;
}

/*
 * A value of 1, 2, 4 or 8 bytes is written with one store: it happens
 * whole or faults having written nothing, as Linux's put_user.  REP MOVSB
 * could write the first bytes of a value that straddles into an unmapped
 * page and then fault (a thread's clear_child_tid, say).
 */
#define PUT(suffix, type) \
	asm volatile("1: mov" suffix " %[v], (%[p])\n" \
		     "   xorl %[err], %[err]\n" \
		     "2:\n" EXTABLE(1b, 2b) \
		     : [err] "+r"(err) : [v] "r"(*(const type *)src), [p] "r"(udst) : "memory")

static int put_user_sized(void *udst, const void *src, size_t n)
{
	int err = -EFAULT;
	bool smap = cpu_has(X86_FEATURE_SMAP);
	if (smap)
		asm volatile("stac" ::: "memory");
	switch (n) {
	case 1: PUT("b", uint8_t); break;
	case 2: PUT("w", uint16_t); break;
	case 4: PUT("l", uint32_t); break;
	case 8: PUT("q", uint64_t); break;
	}
	if (smap)
		asm volatile("clac" ::: "memory");
	return err;
}

/* Are all the pages of [p, p+n) mapped user-writable right now? */
static bool user_writable(void *p, size_t n)
{
	uint64_t root = read_cr3() & PTE_ADDR;
	for (uint64_t va = ALIGN_DOWN((uint64_t)p, PAGE_SIZE); va < (uint64_t)p + n; va += PAGE_SIZE)
		if (uvm_lookup(root, va, UVM_WRITE, 0, NULL))	/* PKRU: the copy's own store obeys it */
			return false;
	return true;
}

/*
 * Writes are all or nothing, as a program expects: a result that does not
 * fit is not half written.  Single values use one store; larger ones are
 * checked against the page tables first (and the copy still has its
 * fixup, should another thread unmap the page meanwhile).
 */
int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!access_ok(udst, n))
		return -EFAULT;
	if (n == 1 || n == 2 || n == 4 || n == 8)
		return put_user_sized(udst, src, n);
	if (!user_writable(udst, n))
		return -EFAULT;
	return copy_user_raw(udst, src, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (copy_from_user(&dst[i], usrc + i, 1))
			return -EFAULT;
		if (!dst[i])
			return (long)i;
	}
	dst[max - 1] = '\0';
	return -E2BIG;
}
