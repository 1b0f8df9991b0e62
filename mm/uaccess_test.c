#include "kernel/kernel.h"
#include "traps/traps.h"
#include "uapi/errno.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "lib/string.h"

static uint64_t last_fixup_count(void) { return last_fixup.count; }

/* A user page mapped into whatever address space the test runs in. */
#define UVA 0x0000500000000000ul

static uint64_t map_user_page(void)
{
	uint64_t pa = pmm_alloc_zeroed();
	vm_map(read_cr3() & PTE_ADDR, UVA, pa, PTE_U | PTE_W | PTE_NX);
	return pa;
}

static void unmap_user_page(void)
{
	pmm_free(vm_unmap(read_cr3() & PTE_ADDR, UVA));
}

static void uaccess_copies_valid_memory(struct ktest *t)
{
	uint64_t pa = map_user_page();
	char out[16] = "kestrel", in[16] = { 0 };
	KEXPECT_EQ(t, copy_to_user((void *)UVA + 100, out, 8), 0);
	KEXPECT_STREQ(t, (char *)phys_to_virt(pa) + 100, "kestrel");
	KEXPECT_EQ(t, copy_from_user(in, (void *)UVA + 100, 8), 0);
	KEXPECT_STREQ(t, in, "kestrel");
	KEXPECT_EQ(t, strncpy_from_user(in, (void *)UVA + 100, sizeof(in)), 7);
	unmap_user_page();
}

static void uaccess_rejects_bad_pointers(struct ktest *t)
{
	char buf[8];
	uint64_t before = last_fixup_count();
	KEXPECT_EQ(t, copy_from_user(buf, NULL, 8), -EFAULT);
	KEXPECT_EQ(t, copy_from_user(buf, (void *)KERNEL_VMA + 0x100000, 8), -EFAULT);
	KEXPECT_EQ(t, copy_to_user((void *)0x8000000000000000ul, buf, 8), -EFAULT);
	KEXPECT_EQ(t, copy_from_user(buf, (void *)(USER_TOP - 4), 8), -EFAULT);
	KEXPECT_EQ(t, copy_from_user(buf, (void *)~0ul, 2), -EFAULT);	/* wraps around */
	KEXPECT(t, last_fixup_count() > before);	/* NULL really faulted and was fixed up */
}

/* A copy that runs off the end of a mapped page into an unmapped one. */
static void uaccess_partial_copy_fails(struct ktest *t)
{
	uint64_t pa = map_user_page();
	memset((char *)phys_to_virt(pa) + PAGE_SIZE - 16, 'x', 16);	/* no NUL before the end */
	char buf[32];
	KEXPECT_EQ(t, copy_from_user(buf, (void *)UVA + PAGE_SIZE - 16, 32), -EFAULT);
	KEXPECT_EQ(t, copy_from_user(buf, (void *)UVA + PAGE_SIZE - 16, 16), 0);
	KEXPECT_EQ(t, strncpy_from_user(buf, (void *)UVA + PAGE_SIZE - 4, 32), -EFAULT);
	unmap_user_page();
}

static void uaccess_read_only_pages_refuse_writes(struct ktest *t)
{
	uint64_t pa = pmm_alloc_zeroed();
	vm_map(read_cr3() & PTE_ADDR, UVA, pa, PTE_U | PTE_NX);
	char x = 1;
	KEXPECT_EQ(t, copy_to_user((void *)UVA, &x, 1), -EFAULT);
	KEXPECT_EQ(t, copy_from_user(&x, (void *)UVA, 1), 0);
	unmap_user_page();
}

KTEST_SUITE(uaccess,
	KTEST_CASE(uaccess_copies_valid_memory),
	KTEST_CASE(uaccess_rejects_bad_pointers),
	KTEST_CASE(uaccess_partial_copy_fails),
	KTEST_CASE(uaccess_read_only_pages_refuse_writes));
