/*
 * test-mm-hostile: what a hostile program tries on the memory calls.
 * Huge empty ranges (the kernel must not spend time on what is not
 * mapped), page 0 and the rest below mmap_min_addr, lengths that wrap,
 * unaligned addresses, unknown PROT_/MAP_/MADV_ values, holes, and futex
 * words that straddle into an unmapped page.  Every expected answer is
 * Linux's; the free-page checks run on Kestrel only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "kestrel.h"
#include "ktap.h"
#include "raw_syscall.h"

#define PAGE		4096UL
#define GiB		(1UL << 30)
#define TiB		(1UL << 40)
#define TASK_SIZE	0x00007ffffffff000UL	/* Linux's TASK_SIZE_MAX on x86-64 */
#define FAR		0x0000100000000000UL	/* 16 TiB: far from anything mapped */
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)
#define PROT_SEM	0x8		/* Linux's; musl leaves it out */
/* <linux/futex.h>, which musl does not ship */
enum { FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_PRIVATE_FLAG = 128 };

static long mmap_(unsigned long addr, unsigned long len, long prot, long flags, long off)
{
	return raw_syscall6(SYS_mmap, addr, len, prot, flags, -1, off);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Is the page at va free?  MAP_FIXED_NOREPLACE says without changing anything else. */
static bool page_free(unsigned long va)
{
	long r = mmap_(va, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, 0);
	if (r == (long)va)
		raw_syscall2(SYS_munmap, va, PAGE);
	return r == (long)va;
}

/* ---- range operations cost what is mapped, not what is named ---- */

static const char *huge_ranges_cost_nothing(void)
{
	/* Linux does each in microseconds; a page-by-page loop takes ~150 ns
	 * per page on tcg-max: 10 s for 256 GiB, an hour for 110 TiB. */
	const double bound_ms = 100;
	double t0 = now_ms();
	long r = raw_syscall2(SYS_munmap, FAR + 16 * TiB, 256 * GiB);
	double ms = now_ms() - t0;
	KTAP_EXPECT(r == 0, "munmap(empty 256 GiB) = %ld", r);
	ktap_note("munmap of an empty 256 GiB range: %.1f ms", ms);
	if (!KTAP_EXPECT(ms < bound_ms, "munmap of an empty 256 GiB range took %.0f ms", ms))
		return NULL;	/* the rest would take an hour */

	/* 110 TiB with two pages of ours inside: both go, quickly. */
	const unsigned long a = FAR + PAGE, b = FAR + 100 * TiB;
	KTAP_EXPECT(mmap_(a, PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, 0) == (long)a &&
		    mmap_(b, PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, 0) == (long)b,
		    "mmap(MAP_FIXED) inside the range failed");
	t0 = now_ms();
	r = raw_syscall2(SYS_munmap, FAR, 110 * TiB);
	ms = now_ms() - t0;
	KTAP_EXPECT(r == 0, "munmap(110 TiB) = %ld", r);
	ktap_note("munmap of 110 TiB holding 2 pages: %.1f ms", ms);
	KTAP_EXPECT(ms < bound_ms, "munmap of 110 TiB took %.0f ms", ms);
	KTAP_EXPECT(page_free(a) && page_free(b), "a page inside the range is still mapped");

	/* The other range calls, on the same empty 110 TiB. */
	t0 = now_ms();
	r = raw_syscall3(SYS_mprotect, FAR, 110 * TiB, PROT_READ);
	KTAP_EXPECT(r == -ENOMEM, "mprotect(empty 110 TiB) = %ld, want -ENOMEM", r);
	r = raw_syscall3(SYS_madvise, FAR, 110 * TiB, MADV_DONTNEED);
	KTAP_EXPECT(r == -ENOMEM, "madvise(empty 110 TiB) = %ld, want -ENOMEM", r);
	r = mmap_(FAR + 50 * TiB, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, 0);
	KTAP_EXPECT(r == (long)(FAR + 50 * TiB), "mmap(MAP_FIXED_NOREPLACE, free) = %#lx", r);
	raw_syscall2(SYS_munmap, FAR + 50 * TiB, PAGE);
	ms = now_ms() - t0;
	KTAP_EXPECT(ms < bound_ms, "mprotect, madvise and mmap over 110 TiB took %.0f ms", ms);
	return NULL;
}

/* Mapping and unmapping one page per 2 MiB must not leave a page table
 * behind each time: that would let a program eat all memory holding none. */
static const char *munmap_frees_page_tables(void)
{
	if (!on_kestrel())
		return "free-page counts are Kestrel's";
	const unsigned long base = FAR + 8 * TiB;
	long before = kestrel_free_pages(), r = 0;
	for (unsigned long i = 0; i < 1000 && r >= 0; i++) {
		unsigned long va = base + i * (2UL << 20) + (i % 7) * GiB;
		r = mmap_(va, PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED_NOREPLACE, 0);
		if (r == (long)va) {
			*(volatile char *)va = 1;
			raw_syscall2(SYS_munmap, va, PAGE);
		}
	}
	long after = kestrel_free_pages();
	KTAP_EXPECT(r >= 0, "mmap failed: %ld", r);
	KTAP_EXPECT(after == before, "free pages %ld before 1000 map/unmap rounds, %ld after", before, after);
	return NULL;
}

/* ---- nothing below mmap_min_addr ---- */

/* Kestrel's is Linux's default, 64 KiB; on Linux, the machine's own. */
static unsigned long mmap_min_addr(void)
{
	unsigned long v = 0x10000;
	FILE *f = on_kestrel() ? NULL : fopen("/proc/sys/vm/mmap_min_addr", "r");
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0x10000;
		fclose(f);
	}
	return v;
}

static const char *page_zero_refused(void)
{
	if (!on_kestrel() && geteuid() == 0)
		return "root may map below mmap_min_addr on Linux (CAP_SYS_RAWIO)";
	const unsigned long MIN_ADDR = mmap_min_addr();
	if (MIN_ADDR < 2 * PAGE)
		return "this machine's mmap_min_addr is below two pages";
	const unsigned long low[] = { 0, PAGE, MIN_ADDR - PAGE };
	for (int i = 0; i < 3; i++) {
		long r = mmap_(low[i], PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, ANON | MAP_FIXED, 0);
		KTAP_EXPECT(r == -EPERM, "mmap(MAP_FIXED at %#lx) = %#lx, want -EPERM", low[i], r);
		r = mmap_(low[i], PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, 0);
		KTAP_EXPECT(r == -EPERM, "mmap(MAP_FIXED_NOREPLACE at %#lx) = %#lx, want -EPERM", low[i], r);
		/* A hint there is not used. */
		r = mmap_(low[i], PAGE, PROT_READ, ANON, 0);
		KTAP_EXPECT(r >= (long)MIN_ADDR, "mmap(hint %#lx) = %#lx, want at or above %#lx", low[i], r, MIN_ADDR);
		if (r > 0)
			raw_syscall2(SYS_munmap, r, PAGE);
	}
	long r = mmap_(MIN_ADDR - PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED, 0);
	KTAP_EXPECT(r == -EPERM, "mmap(MAP_FIXED across mmap_min_addr) = %#lx, want -EPERM", r);
	r = mmap_(MIN_ADDR, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, 0);
	KTAP_EXPECT(r == (long)MIN_ADDR, "mmap(MAP_FIXED_NOREPLACE at mmap_min_addr) = %#lx", r);
	if (r == (long)MIN_ADDR)
		raw_syscall2(SYS_munmap, MIN_ADDR, PAGE);
	long brk = raw_syscall1(SYS_brk, 0);
	r = raw_syscall1(SYS_brk, PAGE);
	KTAP_EXPECT(r == brk, "brk(%#lx) = %#lx, want the old break %#lx", PAGE, r, brk);
	return NULL;
}

/* ---- mmap's arguments ---- */

static const char *mmap_arguments(void)
{
	long r = mmap_(0, 0, PROT_READ, ANON, 0);
	KTAP_EXPECT(r == -EINVAL, "mmap(len 0) = %ld, want -EINVAL", r);
	r = mmap_(0, -1UL, PROT_READ, ANON, 0);
	KTAP_EXPECT(r == -ENOMEM, "mmap(len ~0: rounding wraps) = %ld, want -ENOMEM", r);
	r = mmap_(0, 1UL << 47, PROT_READ, ANON, 0);
	KTAP_EXPECT(r == -ENOMEM, "mmap(len 2^47) = %ld, want -ENOMEM", r);
	r = mmap_(0, PAGE, PROT_READ, ANON, 100);
	KTAP_EXPECT(r == -EINVAL, "mmap(offset 100) = %ld, want -EINVAL", r);
	r = mmap_(0, PAGE, PROT_READ, MAP_ANONYMOUS | 0x06, 0);
	KTAP_EXPECT(r == -EINVAL, "mmap(map type 6) = %ld, want -EINVAL", r);
	r = mmap_(0, PAGE, PROT_READ, MAP_ANONYMOUS | 0x0f, 0);
	KTAP_EXPECT(r == -EINVAL, "mmap(map type 15) = %ld, want -EINVAL", r);
	r = mmap_(FAR + 1, PAGE, PROT_READ, ANON | MAP_FIXED, 0);
	KTAP_EXPECT(r == -EINVAL, "mmap(MAP_FIXED, unaligned) = %ld, want -EINVAL", r);
	r = mmap_(TASK_SIZE - PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED, 0);
	KTAP_EXPECT(r == -ENOMEM, "mmap(MAP_FIXED past TASK_SIZE) = %ld, want -ENOMEM", r);
	r = mmap_(-PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED, 0);
	KTAP_EXPECT(r == -ENOMEM, "mmap(MAP_FIXED wrapping) = %ld, want -ENOMEM", r);

	/* Unknown PROT_ bits are ignored by Linux's mmap; the page works. */
	r = mmap_(0, PAGE, PROT_READ | PROT_WRITE | 0x100, ANON, 0);
	if (KTAP_EXPECT(r > 0, "mmap(PROT_ 0x100 | RW) = %ld", r)) {
		*(volatile char *)r = 1;
		raw_syscall2(SYS_munmap, r, PAGE);
	}

	/* MAP_FIXED_NOREPLACE: never over an existing page. */
	r = mmap_(FAR, 2 * PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED_NOREPLACE, 0);
	KTAP_EXPECT(r == (long)FAR, "mmap(MAP_FIXED_NOREPLACE, free) = %#lx, want %#lx", r, FAR);
	*(volatile char *)(FAR + PAGE) = 42;
	r = mmap_(FAR + PAGE, 2 * PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, 0);
	KTAP_EXPECT(r == -EEXIST, "mmap(MAP_FIXED_NOREPLACE over a page) = %ld, want -EEXIST", r);
	KTAP_EXPECT(*(volatile char *)(FAR + PAGE) == 42, "the page under MAP_FIXED_NOREPLACE changed");
	raw_syscall2(SYS_munmap, FAR, 2 * PAGE);

	/* A free hint is used, as Linux does. */
	r = mmap_(FAR + 3 * PAGE, PAGE, PROT_READ, ANON, 0);
	KTAP_EXPECT(r == (long)(FAR + 3 * PAGE), "mmap(free hint %#lx) = %#lx", FAR + 3 * PAGE, r);
	if (r > 0)
		raw_syscall2(SYS_munmap, r, PAGE);

	/* MAP_32BIT: x86-64 Linux puts it in [1 GiB, 2 GiB). */
	r = mmap_(0, 4 * PAGE, PROT_READ | PROT_WRITE, ANON | MAP_32BIT, 0);
	KTAP_EXPECT(r >= (long)GiB && r + 4 * PAGE <= 2 * GiB, "mmap(MAP_32BIT) = %#lx, want below 2 GiB", r);
	if (r > 0) {
		*(volatile char *)r = 1;
		raw_syscall2(SYS_munmap, r, 4 * PAGE);
	}
	return NULL;
}

/* ---- munmap, mprotect, madvise ---- */

static const char *munmap_arguments(void)
{
	long r = raw_syscall2(SYS_munmap, FAR, 0);
	KTAP_EXPECT(r == -EINVAL, "munmap(len 0) = %ld, want -EINVAL", r);
	r = raw_syscall2(SYS_munmap, FAR + 8, PAGE);
	KTAP_EXPECT(r == -EINVAL, "munmap(unaligned) = %ld, want -EINVAL", r);
	r = raw_syscall2(SYS_munmap, FAR, -PAGE);
	KTAP_EXPECT(r == -EINVAL, "munmap(len wraps) = %ld, want -EINVAL", r);
	r = raw_syscall2(SYS_munmap, TASK_SIZE - PAGE, 2 * PAGE);
	KTAP_EXPECT(r == -EINVAL, "munmap(past TASK_SIZE) = %ld, want -EINVAL", r);
	r = raw_syscall2(SYS_munmap, 0, mmap_min_addr());
	KTAP_EXPECT(r == 0, "munmap(below mmap_min_addr, nothing there) = %ld, want 0", r);
	r = raw_syscall2(SYS_munmap, FAR, PAGE + 1);
	KTAP_EXPECT(r == 0, "munmap(a hole, length rounded up) = %ld, want 0", r);
	return NULL;
}

/* Two pages and, after them, a hole: mmap places mappings next to each
 * other, so the third page of three is unmapped to make one. */
static long two_pages_then_hole(void)
{
	long p = mmap_(0, 3 * PAGE, PROT_READ | PROT_WRITE, ANON, 0);
	if (p > 0)
		raw_syscall2(SYS_munmap, p + 2 * PAGE, PAGE);
	return p;
}

static const char *mprotect_arguments(void)
{
	long p = two_pages_then_hole();
	if (!KTAP_EXPECT(p > 0, "mmap(3 pages) = %ld", p))
		return NULL;
	long r = raw_syscall3(SYS_mprotect, p, 0, PROT_READ);
	KTAP_EXPECT(r == 0, "mprotect(len 0) = %ld, want 0", r);
	r = raw_syscall3(SYS_mprotect, FAR, 0, PROT_READ);
	KTAP_EXPECT(r == 0, "mprotect(len 0, unmapped) = %ld, want 0", r);
	r = raw_syscall3(SYS_mprotect, p + 1, PAGE, PROT_READ);
	KTAP_EXPECT(r == -EINVAL, "mprotect(unaligned) = %ld, want -EINVAL", r);
	r = raw_syscall3(SYS_mprotect, p, -PAGE, PROT_READ);
	KTAP_EXPECT(r == -ENOMEM, "mprotect(len wraps) = %ld, want -ENOMEM", r);
	r = raw_syscall3(SYS_mprotect, p, PAGE, PROT_READ | 0x10);
	KTAP_EXPECT(r == -EINVAL, "mprotect(unknown PROT_ 0x10) = %ld, want -EINVAL", r);
	r = raw_syscall3(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE | PROT_SEM);
	KTAP_EXPECT(r == 0, "mprotect(PROT_SEM) = %ld, want 0", r);
	r = raw_syscall3(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSDOWN);
	KTAP_EXPECT(r == -EINVAL, "mprotect(PROT_GROWSDOWN, not a stack) = %ld, want -EINVAL", r);
	r = raw_syscall3(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP);
	KTAP_EXPECT(r == -EINVAL, "mprotect(GROWSDOWN | GROWSUP) = %ld, want -EINVAL", r);
	r = raw_syscall3(SYS_mprotect, p, 3 * PAGE, PROT_READ);
	KTAP_EXPECT(r == -ENOMEM, "mprotect(into a hole) = %ld, want -ENOMEM", r);
	r = raw_syscall3(SYS_mprotect, TASK_SIZE - PAGE, 2 * PAGE, PROT_READ);
	KTAP_EXPECT(r == -ENOMEM, "mprotect(past TASK_SIZE) = %ld, want -ENOMEM", r);
	raw_syscall2(SYS_munmap, p, 2 * PAGE);
	return NULL;
}

static const char *madvise_arguments(void)
{
	long p = two_pages_then_hole();
	if (!KTAP_EXPECT(p > 0, "mmap(3 pages) = %ld", p))
		return NULL;
	memset((void *)p, 0x5a, 2 * PAGE);
	long r = raw_syscall3(SYS_madvise, p + 1, PAGE, MADV_NORMAL);
	KTAP_EXPECT(r == -EINVAL, "madvise(unaligned) = %ld, want -EINVAL", r);
	r = raw_syscall3(SYS_madvise, p, 0, MADV_NORMAL);
	KTAP_EXPECT(r == 0, "madvise(len 0) = %ld, want 0", r);
	r = raw_syscall3(SYS_madvise, p, -1UL, MADV_NORMAL);
	KTAP_EXPECT(r == -EINVAL, "madvise(len ~0) = %ld, want -EINVAL", r);
	static const int unknown[] = { 5, 6, 7, 999, -1 };
	for (int i = 0; i < 5; i++) {
		r = raw_syscall3(SYS_madvise, p, PAGE, unknown[i]);
		KTAP_EXPECT(r == -EINVAL, "madvise(advice %d) = %ld, want -EINVAL", unknown[i], r);
	}
	r = raw_syscall3(SYS_madvise, FAR, PAGE, MADV_WILLNEED);
	KTAP_EXPECT(r == -ENOMEM, "madvise(unmapped) = %ld, want -ENOMEM", r);
	r = raw_syscall3(SYS_madvise, p, 3 * PAGE, MADV_NORMAL);
	KTAP_EXPECT(r == -ENOMEM, "madvise(into a hole) = %ld, want -ENOMEM", r);

	/* MADV_DONTNEED on private anonymous memory: the next read is zero. */
	r = raw_syscall3(SYS_madvise, p, PAGE, MADV_DONTNEED);
	KTAP_EXPECT(r == 0, "madvise(MADV_DONTNEED) = %ld", r);
	KTAP_EXPECT(*(volatile char *)p == 0 && *(volatile char *)(p + PAGE - 1) == 0,
		    "after MADV_DONTNEED the page still holds %#x", *(volatile unsigned char *)p);
	KTAP_EXPECT(*(volatile char *)(p + PAGE) == 0x5a, "MADV_DONTNEED reached the next page");
	*(volatile char *)p = 1;	/* and it is still ours, writable */
	raw_syscall2(SYS_munmap, p, 2 * PAGE);
	return NULL;
}

/* ---- futex words ---- */

static long futex_(unsigned long uaddr, int op, long val, long val2, unsigned long uaddr2, long val3)
{
	return raw_syscall6(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/*
 * Linux checks each futex word a call names (get_futex_key): an aligned
 * u32 (-EINVAL otherwise) in user memory (-EFAULT).  A misaligned second
 * word at the end of a page straddles into the next, unmapped one.
 */
static const char *futex_second_word_checked(void)
{
	long p = mmap_(0, 2 * PAGE, PROT_READ | PROT_WRITE, ANON, 0);
	if (!KTAP_EXPECT(p > 0, "mmap(2 pages) = %ld", p))
		return NULL;
	raw_syscall2(SYS_munmap, p + PAGE, PAGE);
	unsigned long word = p, straddle = p + PAGE - 2, unmapped = p + PAGE;
	static const int ops[] = { FUTEX_REQUEUE, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG,
				   FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG };
	for (int i = 0; i < 4; i++) {
		long r = futex_(word, ops[i], 1, 1, straddle, 0);
		KTAP_EXPECT(r == -EINVAL, "futex(op %#x, uaddr2 straddling) = %ld, want -EINVAL", ops[i], r);
		r = futex_(word, ops[i], 1, 1, p + 2, 0);
		KTAP_EXPECT(r == -EINVAL, "futex(op %#x, uaddr2 misaligned) = %ld, want -EINVAL", ops[i], r);
		r = futex_(word, ops[i], -1, 1, word, 0);
		KTAP_EXPECT(r == -EINVAL, "futex(op %#x, nr_wake -1) = %ld, want -EINVAL", ops[i], r);
		r = futex_(word, ops[i], 1, 1, word, 0);
		KTAP_EXPECT(r == 0, "futex(op %#x, both words fine) = %ld, want 0", ops[i], r);
	}
	/* Shared (not private) futexes look the page up: unmapped is -EFAULT. */
	long r = futex_(word, FUTEX_REQUEUE, 1, 1, unmapped, 0);
	KTAP_EXPECT(r == -EFAULT, "futex(FUTEX_REQUEUE, uaddr2 unmapped) = %ld, want -EFAULT", r);
	r = futex_(word, FUTEX_CMP_REQUEUE, 1, 1, unmapped, 0);
	KTAP_EXPECT(r == -EFAULT, "futex(FUTEX_CMP_REQUEUE, uaddr2 unmapped) = %ld, want -EFAULT", r);
	r = futex_(word, FUTEX_REQUEUE, 1, 1, 0xffffffff80000000UL, 0);
	KTAP_EXPECT(r == -EFAULT, "futex(FUTEX_REQUEUE, uaddr2 in the kernel) = %ld, want -EFAULT", r);
	r = futex_(unmapped, FUTEX_WAKE, 1, 0, 0, 0);
	KTAP_EXPECT(r == -EFAULT, "futex(FUTEX_WAKE, unmapped) = %ld, want -EFAULT", r);
	r = futex_(straddle, FUTEX_WAKE, 1, 0, 0, 0);
	KTAP_EXPECT(r == -EINVAL, "futex(FUTEX_WAKE, straddling) = %ld, want -EINVAL", r);
	r = futex_(word + 1, 99, 0, 0, 0, 0);
	KTAP_EXPECT(r == -ENOSYS, "futex(unknown op, misaligned) = %ld, want -ENOSYS", r);
	raw_syscall2(SYS_munmap, p, PAGE);
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "huge_ranges_cost_nothing", huge_ranges_cost_nothing },
	{ "munmap_frees_page_tables", munmap_frees_page_tables },
	{ "page_zero_refused", page_zero_refused },
	{ "mmap_arguments", mmap_arguments },
	{ "munmap_arguments", munmap_arguments },
	{ "mprotect_arguments", mprotect_arguments },
	{ "madvise_arguments", madvise_arguments },
	{ "futex_second_word_checked", futex_second_word_checked },
};

int main(void)
{
	return KTAP_RUN(cases);
}
