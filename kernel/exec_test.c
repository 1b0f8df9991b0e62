/*
 * Loading malformed programs: each is refused with -ENOEXEC (the reason on
 * the console) and leaves no page behind.  lib/elf.c's own host tests
 * cover every check; these prove the kernel path honours them.
 */
#include "kernel/kernel.h"
#include "lib/elf.h"
#include "uapi/errno.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "mm/uvm.h"
#include "kernel/exec.h"
#include "mm/pmm.h"
#include "lib/string.h"

static uint8_t image[8192] __attribute__((aligned(16)));

/* A minimal valid ELF: one R-X segment at 0x400000 holding the headers and
 * an entry point, and one RW- segment two pages up. */
static void build(void)
{
	memset(image, 0, sizeof(image));
	memcpy(image, "\x7f" "ELF\x02\x01\x01", 7);
	*(uint16_t *)(image + 16) = ET_EXEC;
	*(uint16_t *)(image + 18) = EM_X86_64;
	*(uint32_t *)(image + 20) = 1;
	*(uint64_t *)(image + 24) = 0x400100;		/* e_entry */
	*(uint64_t *)(image + 32) = 64;			/* e_phoff */
	*(uint16_t *)(image + 52) = 64;			/* e_ehsize */
	*(uint16_t *)(image + 54) = 56;			/* e_phentsize */
	*(uint16_t *)(image + 56) = 2;			/* e_phnum */
	uint64_t *ph = (uint64_t *)(image + 64);
	/* p_type|p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align */
	uint64_t text[] = { PT_LOAD | (uint64_t)(PF_R | PF_X) << 32, 0, 0x400000, 0x400000, 0x200, 0x200, 0x1000 };
	uint64_t data[] = { PT_LOAD | (uint64_t)(PF_R | PF_W) << 32, 0x1000, 0x402000, 0x402000, 0x100, 0x3000, 0x1000 };
	memcpy(ph, text, sizeof(text));
	memcpy(ph + 7, data, sizeof(data));
	image[0x100] = 0xf4;	/* hlt: never run, only mapped */
}

static long load(size_t len)
{
	struct process p = { 0 };
	p.root = uvm_create();
	uint64_t entry = 0, sp = 0;
	char *argv[] = { "t", NULL };
	struct program prog = { "exec_test", image, len };
	long err = exec_load(&p, &prog, argv, argv + 1, &entry, &sp);
	uvm_destroy(p.root);
	return err;
}

static void expect_refused(struct ktest *t, size_t len, const char *what)
{
	size_t before = pmm_free_count();
	long err = load(len);
	ktest_check(t, err == -ENOEXEC, __FILE__, __LINE__, "%s: got %ld, want -ENOEXEC", what, err);
	KEXPECT_EQ(t, pmm_free_count(), before);
}

static void exec_accepts_a_valid_image(struct ktest *t)
{
	build();
	size_t before = pmm_free_count();
	KEXPECT_EQ(t, load(sizeof(image)), 0);
	KEXPECT_EQ(t, pmm_free_count(), before);	/* everything mapped was freed */
}

static void exec_refuses_truncated(struct ktest *t)
{
	build();
	expect_refused(t, 40, "truncated header");
	expect_refused(t, 64 + 56 + 10, "truncated program headers");
	expect_refused(t, 0x1000 + 0x80, "segment past end of file");
}

static void exec_refuses_wrong_machine(struct ktest *t)
{
	build();
	*(uint16_t *)(image + 18) = 3;		/* EM_386 */
	expect_refused(t, sizeof(image), "EM_386");
	build();
	image[4] = 1;				/* ELFCLASS32 */
	expect_refused(t, sizeof(image), "ELFCLASS32");
}

static void exec_refuses_overlapping_segments(struct ktest *t)
{
	build();
	*(uint64_t *)(image + 64 + 56 + 16) = 0x400000;	/* data p_vaddr onto text */
	expect_refused(t, sizeof(image), "overlapping segments");
}

static void exec_refuses_entry_outside_segments(struct ktest *t)
{
	build();
	*(uint64_t *)(image + 24) = 0x900000;
	expect_refused(t, sizeof(image), "entry outside");
	build();
	*(uint64_t *)(image + 24) = 0x402010;		/* inside, but not executable */
	expect_refused(t, sizeof(image), "entry in data");
}

static void exec_refuses_kernel_addresses(struct ktest *t)
{
	build();
	*(uint64_t *)(image + 64 + 56 + 16) = 0xffff800000000000ul;
	expect_refused(t, sizeof(image), "kernel-half segment");
}

KTEST_SUITE(exec,
	KTEST_CASE(exec_accepts_a_valid_image),
	KTEST_CASE(exec_refuses_truncated),
	KTEST_CASE(exec_refuses_wrong_machine),
	KTEST_CASE(exec_refuses_overlapping_segments),
	KTEST_CASE(exec_refuses_entry_outside_segments),
	KTEST_CASE(exec_refuses_kernel_addresses));
