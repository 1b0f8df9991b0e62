/*
 * test-ldt: modify_ldt, a process's own segment descriptors (kernel/ldt.c).
 * A data segment with a base of ours, loaded into GS (musl keeps its TLS in
 * FS), reads through that base, across context switches; the kernel builds
 * every descriptor itself, so the dangerous kinds are refused; an entry
 * cleared under a loaded selector costs the kernel nothing at the next
 * switch (the reload faults and is fixed up).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ktap.h"

struct user_desc {
	unsigned int entry_number, base_addr, limit;
	unsigned int seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
		seg_not_present : 1, useable : 1, lm : 1;
};

static uint32_t target[4] __attribute__((aligned(16))) = { 0x1234abcd, 0x5555aaaa };

static long write_entry(unsigned n, uint32_t base, int seg32, int contents, int not_present)
{
	struct user_desc d = { .entry_number = n,
			       .base_addr = base,
			       .limit = 0xfffff,
			       .seg_32bit = (unsigned)seg32,
			       .contents = (unsigned)contents,
			       .limit_in_pages = 1,
			       .seg_not_present = (unsigned)not_present };
	return syscall(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static uint32_t read_gs(unsigned off)
{
	uint32_t v;
	__asm__ volatile("movl %%gs:(%1), %0" : "=r"(v) : "r"((uint64_t)off));
	return v;
}

static uint16_t gs_selector(void)
{
	uint16_t s;
	__asm__ volatile("mov %%gs, %0" : "=r"(s));
	return s;
}

static const char *segment_reads_through_its_base(void)
{
	if ((uintptr_t)target >> 32)
		return "the variable is above 4 GiB: a 32-bit base cannot reach it";
	KTAP_EXPECT(write_entry(3, (uint32_t)(uintptr_t)target, 1, 0, 0) == 0, "modify_ldt: %s",
		    strerror(errno));
	uint16_t sel = 3 << 3 | 4 | 3; /* index 3, TI = LDT, RPL 3 */
	__asm__ volatile("mov %0, %%gs" ::"r"(sel));
	KTAP_EXPECT(read_gs(0) == 0x1234abcd && read_gs(4) == 0x5555aaaa, "%%gs:0 = %#x",
		    read_gs(0));
	for (int i = 0; i < 20; i++)
		sched_yield();
	KTAP_EXPECT(gs_selector() == sel, "GS %#x after switches, want %#x", gs_selector(), sel);
	KTAP_EXPECT(read_gs(4) == 0x5555aaaa, "%%gs:4 = %#x after switches", read_gs(4));
	uint64_t table[8] = { 0 };
	long n = syscall(SYS_modify_ldt, 0, table, sizeof(table));
	KTAP_EXPECT(n == sizeof(table) && table[3] && (table[3] >> 45 & 3) == 3,
		    "read_ldt: %ld bytes, entry 3 %#lx (DPL must be 3)", n,
		    (unsigned long)table[3]);
	/* Clear it while GS holds it: the next switch's reload faults in the kernel. */
	struct user_desc empty = { .entry_number = 3, .read_exec_only = 1, .seg_not_present = 1 };
	KTAP_EXPECT(syscall(SYS_modify_ldt, 0x11, &empty, sizeof(empty)) == 0, "clear: %s",
		    strerror(errno));
	for (int i = 0; i < 3; i++)
		usleep(2000); /* a switch for certain: see cleared_entry_under_ds_and_es */
	KTAP_EXPECT(gs_selector() == 0 || gs_selector() == sel, "GS %#x after the entry went",
		    gs_selector());
	__asm__ volatile("mov %0, %%gs" ::"r"(0));
	return NULL;
}

/*
 * DS and ES too: in 64-bit mode neither SYSCALL nor an interrupt changes
 * them, so the program's selectors are live in the kernel and switch_to
 * saves and reloads them.  A sleep switches to the idle task and back for
 * certain (a yield with nobody else runnable does not switch at all).
 */
static const char *cleared_entry_under_ds_and_es(void)
{
	KTAP_EXPECT(write_entry(5, 0, 1, 0, 0) == 0, "modify_ldt: %s", strerror(errno));
	uint16_t sel = 5 << 3 | 4 | 3, ds, es;
	__asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" ::"r"(sel));
	struct user_desc empty = { .entry_number = 5, .read_exec_only = 1, .seg_not_present = 1 };
	long r = syscall(SYS_modify_ldt, 0x11, &empty, sizeof(empty));
	for (int i = 0; i < 3; i++)
		usleep(2000);
	__asm__ volatile("mov %%ds, %0\n\tmov %%es, %1" : "=r"(ds), "=r"(es));
	__asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" ::"r"(0));
	KTAP_EXPECT(r == 0, "clear: %s", strerror(errno));
	KTAP_EXPECT((ds == 0 || ds == sel) && (es == 0 || es == sel),
		    "DS %#x ES %#x after the entry went", ds, es);
	return NULL;
}

static const char *dangerous_descriptors_refused(void)
{
	errno = 0;
	KTAP_EXPECT(write_entry(1, 0, 0, 0, 0) == -1 && errno == EINVAL,
		    "a 16-bit segment: errno %d", errno);
	KTAP_EXPECT(write_entry(1, 0, 1, 3, 0) == -1 && errno == EINVAL,
		    "conforming code: errno %d", errno);
	KTAP_EXPECT(write_entry(512, 0, 1, 0, 0) == -1 && errno == EINVAL, "entry 512: errno %d",
		    errno);
	struct user_desc d = { .entry_number = 2, .seg_32bit = 1, .lm = 1, .contents = 2 };
	KTAP_EXPECT(syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)) == 0, "a code segment: %s",
		    strerror(errno));
	uint64_t table[3];
	syscall(SYS_modify_ldt, 0, table, sizeof(table));
	KTAP_EXPECT(!(table[2] >> 53 & 1), "entry 2 %#lx has L set: a 64-bit code segment",
		    (unsigned long)table[2]);
	KTAP_EXPECT(syscall(SYS_modify_ldt, 0x11, (void *)8, 16) == -1 && errno == EFAULT,
		    "bad pointer: errno %d", errno);
	KTAP_EXPECT(syscall(SYS_modify_ldt, 7, table, 8) == -1 && errno == ENOSYS,
		    "func 7: errno %d", errno);
	return NULL;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "segment_reads_through_its_base", segment_reads_through_its_base },
		{ "cleared_entry_under_ds_and_es", cleared_entry_under_ds_and_es },
		{ "dangerous_descriptors_refused", dangerous_descriptors_refused },
	};
	return KTAP_RUN(cases);
}
