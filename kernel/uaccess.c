#include "kernel.h"
#include "errno.h"
#include "mm.h"
#include "cpu.h"
#include "uaccess.h"
#include "traps/traps.h"

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

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!access_ok(udst, n))
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
