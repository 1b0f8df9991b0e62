/* The handful of C library string functions the kernel uses. */
#include "kernel/kernel.h"
#include "lib/string.h"

/*
 * memset, memcpy and memmove move eight bytes per iteration with REP STOSQ /
 * REP MOVSQ and finish the 0..7-byte tail with REP STOSB / REP MOVSB.
 * Why not REP STOSB/MOVSB alone, fast with ERMS (SDM Vol. 1, 7.3.9.3)?  An
 * emulator counting instructions (QEMU -icount, Bochs) counts a REP string
 * instruction once per iteration (SDM Vol. 2B, REP: "the count register is
 * decremented by 1 for each iteration"), so the byte form costs n, the
 * quadword form n/8 + n%8, and on ERMS hardware both take the fast-string
 * path for large n.  The kernel is built -mgeneral-regs-only: no SSE here.
 * The SysV ABI guarantees DF = 0 on entry, and every path restores it.
 */
void *memset(void *d, int c, size_t n)
{
	uint64_t v = 0x0101010101010101ull * (unsigned char)c;
	void *p = d;
	size_t q = n / 8, r = n % 8;
	asm volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(v) : "memory");
	asm volatile("rep stosb" : "+D"(p), "+c"(r) : "a"(v) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;
	size_t q = n / 8, r = n % 8;
	asm volatile("rep movsq" : "+D"(dp), "+S"(s), "+c"(q) : : "memory");
	asm volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(r) : : "memory");
	return d;
}

/*
 * An overlapping copy to a higher address goes backwards (DF = 1): the
 * quadwords from the top first, then the tail bytes below them, so no
 * source byte is overwritten before it is read.
 */
void *memmove(void *d, const void *s, size_t n)
{
	if ((uintptr_t)d <= (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n)
		return memcpy(d, s, n);
	unsigned char *dp = (unsigned char *)d + n - 8;
	const unsigned char *sp = (const unsigned char *)s + n - 8;
	size_t q = n / 8, r = n % 8;
	asm volatile("std; rep movsq" : "+D"(dp), "+S"(sp), "+c"(q) : : "memory", "cc");
	/* RDI/RSI now point 8 below the last quadword moved: the tail ends 1 below it. */
	dp += 7;
	sp += 7;
	asm volatile("rep movsb; cld" : "+D"(dp), "+S"(sp), "+c"(r) : : "memory", "cc");
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}
