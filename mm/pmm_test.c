#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/pmm.h"

static void pmm_alloc_free(struct ktest *t)
{
	size_t before = pmm_free_count();
	uint64_t pa = pmm_alloc();
	KASSERT(t, pa != 0);
	KEXPECT_EQ(t, pa % PAGE_SIZE, 0);
	KEXPECT(t, !pmm_is_free(pa));
	KEXPECT_EQ(t, pmm_free_count(), before - 1);
	pmm_free(pa);
	KEXPECT(t, pmm_is_free(pa));
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void pmm_never_hands_out_reserved(struct ktest *t)
{
	extern char _kernel_start[], _kernel_end[];
	KEXPECT(t, !pmm_is_free(0));
	KEXPECT(t, !pmm_is_free(virt_to_phys(_kernel_start)));
	KEXPECT(t, !pmm_is_free(virt_to_phys(_kernel_end) - PAGE_SIZE));
	KEXPECT(t, !pmm_is_free(0x9f000));	/* below 1 MiB: BIOS data */
}

/* Hand out many pages, stamp each with its index, and check no stamp was
 * overwritten: a page handed out twice would carry the later index. */
static void pmm_no_double_handout(struct ktest *t)
{
	enum { N = 1000 };
	static uint64_t pages[N];
	size_t before = pmm_free_count();
	for (int i = 0; i < N; i++) {
		pages[i] = pmm_alloc();
		KASSERT(t, pages[i] != 0);
		*(uint64_t *)phys_to_virt(pages[i]) = i;
	}
	for (int i = 0; i < N; i++)
		KEXPECT_EQ(t, *(uint64_t *)phys_to_virt(pages[i]), i);
	for (int i = 0; i < N; i++)
		pmm_free(pages[i]);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void pmm_contiguous_runs(struct ktest *t)
{
	uint64_t pa = pmm_alloc_contig(16);
	KASSERT(t, pa != 0);
	for (int i = 0; i < 16; i++)
		KEXPECT(t, !pmm_is_free(pa + i * PAGE_SIZE));
	KEXPECT_EQ(t, *(uint64_t *)phys_to_virt(pa + 15 * PAGE_SIZE), 0);	/* zeroed */
	pmm_free_contig(pa, 16);
	KEXPECT(t, pmm_is_free(pa + 15 * PAGE_SIZE));
	KEXPECT_EQ(t, pmm_alloc_contig(pmm_max_phys() / PAGE_SIZE + 1), 0);
}

/* Take every free page: allocation then fails cleanly (0), and giving
 * them all back restores the count.  The pages are chained through their
 * own first word, since there is nowhere else to keep 60,000 addresses. */
static void pmm_exhaustion_returns_error(struct ktest *t)
{
	size_t before = pmm_free_count(), got = 0;
	uint64_t head = 0, pa;
	while ((pa = pmm_alloc()) != 0) {
		*(uint64_t *)phys_to_virt(pa) = head;
		head = pa;
		got++;
	}
	KEXPECT_EQ(t, got, before);
	KEXPECT_EQ(t, pmm_free_count(), 0);
	KEXPECT_EQ(t, pmm_alloc(), 0);
	KEXPECT_EQ(t, pmm_alloc_contig(1), 0);
	while (head) {
		uint64_t next = *(uint64_t *)phys_to_virt(head);
		pmm_free(head);
		head = next;
	}
	KEXPECT_EQ(t, pmm_free_count(), before);
}

KTEST_SUITE(pmm,
	KTEST_CASE(pmm_alloc_free),
	KTEST_CASE(pmm_never_hands_out_reserved),
	KTEST_CASE(pmm_no_double_handout),
	KTEST_CASE(pmm_contiguous_runs),
	KTEST_CASE(pmm_exhaustion_returns_error));
