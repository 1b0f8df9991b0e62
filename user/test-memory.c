/*
 * test-memory: the address-space calls (mmap, munmap, mprotect, madvise)
 * and malloc on top of them.  A wrong access must kill the process with
 * SIGSEGV, so those cases run in a child (child.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "child.h"
#include "kestrel.h"
#include "ktap.h"

#define PROG		"test-memory"
#define PAGE_SIZE	4096UL

static long raw_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
	return raw_syscall6(SYS_mmap, (long)addr, len, prot, flags, fd, 0);
}

static char *map_pages(size_t n, int prot)
{
	long r = raw_mmap(NULL, n * PAGE_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	return r < 0 ? NULL : (char *)r;
}

static bool all_zero(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- the children: each ends by touching memory it may not ---- */

static volatile char sink;

/* Exit statuses 101.. mean a step before the deliberate fault went wrong. */
static int child_main(const char *mode)
{
	if (strcmp(mode, "touch-unmapped") == 0) {
		char *p = map_pages(1, PROT_READ | PROT_WRITE);
		if (!p)
			return 101;
		p[0] = 1;
		if (munmap(p, PAGE_SIZE))
			return 102;
		sink = p[0];
	} else if (strcmp(mode, "touch-unmapped-middle") == 0) {
		char *p = map_pages(3, PROT_READ | PROT_WRITE);
		if (!p || munmap(p + PAGE_SIZE, PAGE_SIZE))
			return 101;
		sink = p[PAGE_SIZE];
	} else if (strcmp(mode, "write-readonly") == 0) {
		char *p = map_pages(1, PROT_READ | PROT_WRITE);
		if (!p)
			return 101;
		p[0] = 1;
		if (mprotect(p, PAGE_SIZE, PROT_READ))
			return 102;
		if (p[0] != 1)
			return 103;
		p[0] = 2;
	} else if (strcmp(mode, "touch-guard") == 0) {
		/* How musl lays out a thread stack: PROT_NONE, then all but the lowest page made RW. */
		char *p = map_pages(4, PROT_NONE);
		if (!p || mprotect(p + PAGE_SIZE, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE))
			return 101;
		p[PAGE_SIZE] = 1;
		sink = p[0];
	} else if (strcmp(mode, "malloc-1mib") == 0) {
		char *p = malloc(1 << 20);
		if (!p)
			return 101;
		memset(p, 0x5a, 1 << 20);
		return 0;	/* exit without free(): the kernel must take it all back */
	} else {
		return 100;
	}
	return 0;		/* survived the fault: the parent reports it */
}

static void expect_segv(const char *mode)
{
	char why[80];
	int status = child_run(PROG, mode);

	KTAP_EXPECT(child_killed_by(status, SIGSEGV), "child %s: %s, want SIGSEGV",
		    mode, child_describe(status, why, sizeof(why)));
}

/* ---- the cases ---- */

static const char *mmap_zeroed_aligned_writable(void)
{
	const size_t len = 16 * PAGE_SIZE;
	long r = raw_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);

	if (!KTAP_EXPECT(r > 0, "mmap(16 pages) = %ld", r))
		return NULL;
	char *p = (char *)r;
	KTAP_EXPECT(r % PAGE_SIZE == 0, "mmap returned %p, not page-aligned", (void *)p);
	KTAP_EXPECT(all_zero(p, len), "fresh anonymous memory is not zeroed");
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 7);
	bool kept = true;
	for (size_t i = 0; i < len; i++)
		kept &= p[i] == (char)(i * 7);
	KTAP_EXPECT(kept, "mapped memory does not keep what is written");
	KTAP_EXPECT(munmap(p, len) == 0, "munmap: %s", strerror(errno));
	return NULL;
}

static const char *munmap_then_access_segv(void)
{
	expect_segv("touch-unmapped");
	return NULL;
}

static const char *munmap_middle_page(void)
{
	char *p = map_pages(3, PROT_READ | PROT_WRITE);

	if (!KTAP_EXPECT(p, "mmap(3 pages) failed"))
		return NULL;
	memset(p, 1, 3 * PAGE_SIZE);
	KTAP_EXPECT(munmap(p + PAGE_SIZE, PAGE_SIZE) == 0, "munmap(middle): %s", strerror(errno));
	KTAP_EXPECT(p[0] == 1 && p[PAGE_SIZE - 1] == 1, "first page lost its contents");
	KTAP_EXPECT(p[2 * PAGE_SIZE] == 1 && p[3 * PAGE_SIZE - 1] == 1, "last page lost its contents");
	munmap(p, 3 * PAGE_SIZE);	/* a range with a hole is fine */
	expect_segv("touch-unmapped-middle");
	return NULL;
}

static const char *mprotect_readonly_write_segv(void)
{
	expect_segv("write-readonly");
	return NULL;
}

static const char *mprotect_back_to_writable(void)
{
	char *p = map_pages(2, PROT_READ | PROT_WRITE);

	if (!KTAP_EXPECT(p, "mmap(2 pages) failed"))
		return NULL;
	p[0] = 42;
	KTAP_EXPECT(mprotect(p, 2 * PAGE_SIZE, PROT_READ) == 0, "mprotect(READ): %s", strerror(errno));
	KTAP_EXPECT(mprotect(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE) == 0,
		    "mprotect(READ|WRITE): %s", strerror(errno));
	p[PAGE_SIZE] = 43;
	KTAP_EXPECT(p[0] == 42 && p[PAGE_SIZE] == 43, "contents %d %d, want 42 43", p[0], p[PAGE_SIZE]);
	long r = raw_syscall3(SYS_mprotect, p + 1, PAGE_SIZE, PROT_READ);
	KTAP_EXPECT(r == -EINVAL, "mprotect(unaligned) = %ld, want -EINVAL", r);
	munmap(p, 2 * PAGE_SIZE);
	return NULL;
}

static const char *prot_none_guard_page(void)
{
	expect_segv("touch-guard");
	return NULL;
}

static const char *mmap_fixed_replaces(void)
{
	char *p = map_pages(2, PROT_READ | PROT_WRITE);

	if (!KTAP_EXPECT(p, "mmap(2 pages) failed"))
		return NULL;
	memset(p, 9, 2 * PAGE_SIZE);
	long r = raw_mmap(p + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1);
	KTAP_EXPECT(r == (long)(p + PAGE_SIZE), "mmap(MAP_FIXED at %p) = %#lx", (void *)(p + PAGE_SIZE), r);
	KTAP_EXPECT(p[0] == 9, "the page beside the new mapping changed");
	KTAP_EXPECT(all_zero(p + PAGE_SIZE, PAGE_SIZE), "MAP_FIXED page is not fresh and zeroed");
	munmap(p, 2 * PAGE_SIZE);
	return NULL;
}

static const char *mmap_huge_enomem(void)
{
	static const unsigned long sizes[] = { 1UL << 47, -PAGE_SIZE };

	for (size_t i = 0; i < 2; i++) {
		long r = raw_mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		KTAP_EXPECT(r == -ENOMEM, "mmap(%#lx bytes) = %ld, want -ENOMEM", sizes[i], r);
	}
	return NULL;
}

static const char *mmap_bad_arguments_refused(void)
{
	long r = raw_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	KTAP_EXPECT(r == -EINVAL, "mmap(length 0) = %ld, want -EINVAL", r);
	r = raw_mmap(NULL, PAGE_SIZE, PROT_READ, MAP_ANONYMOUS, -1);
	KTAP_EXPECT(r == -EINVAL, "mmap(neither private nor shared) = %ld, want -EINVAL", r);
	/* Files are not supported on Kestrel; fd 3 is not open on either system. */
	r = raw_mmap(NULL, PAGE_SIZE, PROT_READ, MAP_SHARED, 3);
	KTAP_EXPECT(r < 0 && r >= -4095, "mmap(MAP_SHARED, fd 3) = %ld, want an error", r);
	r = raw_mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 3);
	KTAP_EXPECT(r < 0 && r >= -4095, "mmap(MAP_PRIVATE, fd 3) = %ld, want an error", r);
	r = raw_syscall2(SYS_munmap, PAGE_SIZE + 1, PAGE_SIZE);
	KTAP_EXPECT(r == -EINVAL, "munmap(unaligned) = %ld, want -EINVAL", r);
	return NULL;
}

static const char *madvise_accepted(void)
{
	char *p = map_pages(4, PROT_READ | PROT_WRITE);
	static const int advice[] = { MADV_DONTNEED, MADV_FREE, MADV_WILLNEED };

	if (!KTAP_EXPECT(p, "mmap(4 pages) failed"))
		return NULL;
	for (size_t i = 0; i < 3; i++) {
		long r = raw_syscall3(SYS_madvise, p, 4 * PAGE_SIZE, advice[i]);
		KTAP_EXPECT(r == 0, "madvise(advice %d) = %ld", advice[i], r);
	}
	munmap(p, 4 * PAGE_SIZE);
	return NULL;
}

/* Small blocks come from malloc's own pages, large ones from mmap each. */
static size_t block_size(unsigned i, uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	uint32_t r = *seed >> 8;
	if (i % 1000 == 999)
		return 200000 + r % 100000;
	if (i % 100 == 99)
		return 1 + r % 65536;
	return 1 + r % 1024;
}

static void fill(unsigned char *p, size_t len, unsigned i)
{
	for (size_t j = 0; j < len; j++)
		p[j] = (unsigned char)(i * 31 + j);
}

static bool holds(const unsigned char *p, size_t len, unsigned i)
{
	for (size_t j = 0; j < len; j++)
		if (p[j] != (unsigned char)(i * 31 + j))
			return false;
	return true;
}

static const char *malloc_free_10000(void)
{
	enum { N = 10000 };
	static unsigned char *block[N];
	static size_t size[N];
	uint32_t seed = 1;
	int wrong = 0;

	for (unsigned i = 0; i < N; i++) {
		size[i] = block_size(i, &seed);
		block[i] = malloc(size[i]);
		if (!KTAP_EXPECT(block[i], "malloc(%zu) failed at block %u", size[i], i))
			return NULL;
		fill(block[i], size[i], i);
	}
	/* Free every other block and allocate again, so freed space is reused. */
	for (unsigned i = 0; i < N; i += 2)
		free(block[i]);
	for (unsigned i = 0; i < N; i += 2) {
		size[i] = block_size(i, &seed);
		block[i] = malloc(size[i]);
		if (!KTAP_EXPECT(block[i], "malloc(%zu) failed again at block %u", size[i], i))
			return NULL;
		fill(block[i], size[i], i);
	}
	for (unsigned i = 0; i < N; i++)
		wrong += !holds(block[i], size[i], i);
	KTAP_EXPECT(wrong == 0, "%d of %d blocks do not hold what was written", wrong, N);
	for (unsigned i = 0; i < N; i++)
		free(block[i]);
	return NULL;
}

static const char *child_memory_returned(void)
{
	char why[80];

	if (!on_kestrel())
		return "not running on Kestrel";
	/* A first child warms up whatever the kernel keeps around (caches, tables). */
	child_run(PROG, "malloc-1mib");
	long before = kestrel_free_pages();
	int status = child_run(PROG, "malloc-1mib");
	long after = kestrel_free_pages();

	KTAP_EXPECT(child_exited_with(status, 0), "child malloc-1mib: %s",
		    child_describe(status, why, sizeof(why)));
	KTAP_EXPECT(before == after, "free pages %ld before the child, %ld after", before, after);
	return NULL;
}

/* mremap moves the frames themselves: contents, protection, no copy; the
 * pages left behind are gone; every page comes back at the end. */
static const char *mremap_moves_grows_shrinks(void)
{
	long before = on_kestrel() ? kestrel_free_pages() : 0;
	char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole = mmap(NULL, 8 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 8 * 4096); /* a place known to be free */
	for (int i = 0; i < 3; i++)
		a[i * 4096] = (char)('a' + i);
	char *b = mremap(a, 3 * 4096, 3 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	KTAP_EXPECT(b == hole, "MREMAP_FIXED gave %p, asked for %p", (void *)b, (void *)hole);
	KTAP_EXPECT(b[0] == 'a' && b[4096] == 'b' && b[8192] == 'c', "contents did not move");
	KTAP_EXPECT(mprotect(a, 4096, PROT_READ) == -1 && errno == ENOMEM,
		    "the old range is still mapped");
	char *c =
		mremap(b, 3 * 4096, 5 * 4096, 0); /* grows in place: the rest of the hole is free */
	KTAP_EXPECT(c == b && c[4 * 4096] == 0 && (c[4 * 4096] = 1), "grow in place gave %p",
		    (void *)c);
	c = mremap(c, 5 * 4096, 4096, 0);
	KTAP_EXPECT(c == b && c[0] == 'a', "shrink gave %p", (void *)c);
	KTAP_EXPECT(mprotect(c + 4096, 4096, PROT_READ) == -1 && errno == ENOMEM,
		    "a shrink left its tail");
	errno = 0;
	KTAP_EXPECT(mremap(c + 1, 4096, 4096, 0) == MAP_FAILED && errno == EINVAL,
		    "unaligned: errno %d", errno);
	KTAP_EXPECT(mremap(c, 4096, 4096, MREMAP_FIXED, hole) == MAP_FAILED && errno == EINVAL,
		    "MREMAP_FIXED without MREMAP_MAYMOVE: errno %d", errno);
	KTAP_EXPECT(mremap(c + 4096, 4096, 8192, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT,
		    "an unmapped range: errno %d", errno);
	munmap(c, 4096);
	if (on_kestrel())
		KTAP_EXPECT(kestrel_free_pages() == before, "free pages %ld before, %ld after",
			    before, kestrel_free_pages());
	return NULL;
}

static const struct ktap_case cases[] = {
	{ "mmap_zeroed_aligned_writable", mmap_zeroed_aligned_writable },
	{ "munmap_then_access_segv", munmap_then_access_segv },
	{ "munmap_middle_page", munmap_middle_page },
	{ "mprotect_readonly_write_segv", mprotect_readonly_write_segv },
	{ "mprotect_back_to_writable", mprotect_back_to_writable },
	{ "prot_none_guard_page", prot_none_guard_page },
	{ "mmap_fixed_replaces", mmap_fixed_replaces },
	{ "mmap_huge_enomem", mmap_huge_enomem },
	{ "mmap_bad_arguments_refused", mmap_bad_arguments_refused },
	{ "madvise_accepted", madvise_accepted },
	{ "mremap_moves_grows_shrinks", mremap_moves_grows_shrinks },
	{ "malloc_free_10000", malloc_free_10000 },
	{ "child_memory_returned", child_memory_returned },
};

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argv[1]);
	return KTAP_RUN(cases);
}
