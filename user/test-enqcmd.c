/*
 * ENQCMD does what the instruction does, and the portal is a device
 * portal: the flags, the single-step trap, the live FS and GS bases, the
 * portal's protection and PKRU, an instruction fetch that is not a data
 * read, no data or futexes through the portal, no page lost by unmapping
 * or mapping over it.  Children (this program again, argv[1] = mode) do
 * what kills them, or what changes their segment bases.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "accel.h"
#include "child.h"
#include "ktap.h"
#include "raw_syscall.h"

#define PROG "test-enqcmd"
#define MAGIC 0x5eed5eed0badcafeull

enum { ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004 };
enum { SYS_pkey_mprotect_ = 329, SYS_pkey_alloc_ = 330, SYS_pkey_free_ = 331 };
enum { PKEY_DISABLE_ACCESS_ = 1, PKEY_DISABLE_WRITE_ = 2 };

#define F_CF 0x001ul
#define F_PF 0x004ul
#define F_AF 0x010ul
#define F_ZF 0x040ul
#define F_SF 0x080ul
#define F_OF 0x800ul

static void *portal;
static uint64_t probe = MAGIC;		/* read through a segment whose base is 0 */

static bool bind_once(void)
{
	portal = accel_portal();
	return portal != NULL;
}

static long yield_raw(int n)
{
	long r = 0;
	for (int i = 0; i < n; i++)
		r |= raw_syscall0(SYS_sched_yield);
	return r;
}

/* Wait for a completion without libc (for code running with a foreign FS). */
static int wait_raw(volatile struct accel_completion *c)
{
	for (int i = 0; i < 100000 && !c->status; i++)
		raw_syscall0(SYS_sched_yield);
	return c->status;
}

static bool have_pkeys(void)
{
	long k = raw_syscall2(SYS_pkey_alloc_, 0, 0);
	if (k > 0)
		raw_syscall1(SYS_pkey_free_, k);
	return k > 0;
}

/* ENQCMD with the arithmetic flags in `set` beforehand: RFLAGS after. */
static uint64_t enqcmd_flags(void *where, const struct accel_desc *d, uint64_t set)
{
	uint64_t f;
	__asm__ volatile("subq $128, %%rsp\n\t"		/* step over the red zone */
			 "pushfq\n\t"
			 "orq %[set], (%%rsp)\n\t"
			 "popfq\n\t"
			 ".byte 0xf2, 0x0f, 0x38, 0xf8, 0x06\n\t"	/* enqcmd (%rsi), %rax */
			 "pushfq\n\t"
			 "popq %[f]\n\t"
			 "addq $128, %%rsp"
			 : [f] "=&r"(f) : "a"(where), "S"(d), [set] "r"(set) : "cc", "memory");
	return f;
}

/* 4a: ZF says accepted (0) or retry (1); CF, PF, AF, SF and OF are cleared. */
static const char *flags_other_than_zf_are_cleared(void)
{
	if (!bind_once() || accel_noop(portal) != ACCEL_STATUS_SUCCESS)
		return "cannot bind or run a NOOP";
	static struct accel_desc d = { .flags_op = (uint32_t)ACCEL_NOOP << 24 };
	const uint64_t arith = F_CF | F_PF | F_AF | F_SF | F_OF;
	int accepted = 0, full = 0, bad = 0;
	uint64_t first_bad = 0;
	for (int i = 0; i < 1000 && !full; i++) {
		uint64_t f = enqcmd_flags(portal, &d, arith | (i % 2 ? F_ZF : 0));
		if ((f & arith) && !bad++)
			first_bad = f;
		if (f & F_ZF)
			full++;
		else
			accepted++;
	}
	KTAP_EXPECT(!bad, "%d of %d ENQCMDs left some of CF PF AF SF OF set (first: flags %#lx)",
		    bad, accepted + full, (unsigned long)first_bad);
	KTAP_EXPECT(accepted && full, "accepted %d, refused %d: want both outcomes", accepted, full);
	while (accel_noop(portal) != ACCEL_STATUS_SUCCESS)	/* let the queue drain */
		;
	return NULL;
}

/* 4b: single-stepping over ENQCMD stops right after it, before the
 * syscall that follows (exit_group(42)): SIGTRAP, not exit 42. */
static const char *single_step_traps_after_enqcmd(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	char why[80];
	int st = child_run(PROG, "tf-enqcmd");
	KTAP_EXPECT(child_killed_by(st, SIGTRAP), "TF over an activated thread's ENQCMD: %s",
		    child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "tf-first-enqcmd");
	KTAP_EXPECT(child_killed_by(st, SIGTRAP), "TF over a first ENQCMD (#GP fix-up, retry): %s",
		    child_describe(st, why, sizeof(why)));
	return NULL;
}

/* 4c, 8: the bases a program sets itself are the ones it keeps and the
 * ones ENQCMD and arch_prctl see. */
static const char *segment_bases_are_live(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	char why[80];
	int st = child_run(PROG, "fs-live");
	KTAP_EXPECT(child_exited_with(st, 0), "FS loaded by the program (10 GET_FS stale, 11 base "
		    "reverted by a switch, 12 ENQCMD %%fs: wrong source): %s", child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "gs-live");
	KTAP_EXPECT(child_exited_with(st, 0), "GS (20 no ARCH_SET_GS, 21-23 base lost, 24 ENQCMD %%gs:, "
		    "25-26 GS loaded by the program): %s", child_describe(st, why, sizeof(why)));
	return NULL;
}

/* 4d, 5: mprotect changes only ENQCMD's right to store; no protection
 * makes the portal readable, writable or executable to plain accesses. */
static const char *portal_protection(void)
{
	if (!bind_once())
		return "not bound";
	KTAP_EXPECT(mprotect(portal, 4096, PROT_NONE) == 0 && mprotect(portal, 4096, PROT_READ | PROT_WRITE) == 0,
		    "mprotect of the portal failed");
	KTAP_EXPECT(accel_noop(portal) == ACCEL_STATUS_SUCCESS, "ENQCMD after PROT_NONE then PROT_READ|WRITE");
	static const struct { const char *mode, *what; } kill[] = {
		{ "enqcmd-prot-none", "ENQCMD to a PROT_NONE portal" },
		{ "enqcmd-prot-read", "ENQCMD to a PROT_READ portal" },
		{ "enqcmd-prot-exec", "ENQCMD to a PROT_READ|PROT_EXEC portal" },
		{ "portal-read", "a plain read of the portal" },
		{ "portal-rw-store", "a plain store after mprotect(PROT_READ|PROT_WRITE)" },
		{ "portal-rwx-run", "a store and a call after mprotect(PROT_READ|PROT_WRITE|PROT_EXEC)" },
	};
	for (size_t i = 0; i < sizeof(kill) / sizeof(kill[0]); i++) {
		char why[80];
		int st = child_run(PROG, kill[i].mode);
		KTAP_EXPECT(child_killed_by(st, SIGSEGV), "%s: %s", kill[i].what, child_describe(st, why, sizeof(why)));
	}
	return NULL;
}

/* 4d with keys: ENQCMD's store obeys PKRU's write-disable, as any store. */
static const char *portal_store_obeys_pkru(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	if (!have_pkeys())
		return "no protection keys on this CPU";
	char why[80];
	int st = child_run(PROG, "portal-pkey-wd");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "ENQCMD to a portal whose key is write-disabled: %s",
		    child_describe(st, why, sizeof(why)));
	return NULL;
}

/* 4e, 4f: ENQCMD in an execute-only page (its key access-disabled), as a
 * thread's first ENQCMD, so the #GP fix-up needs the instruction too. */
static const char *enqcmd_in_an_execute_only_page(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	if (!have_pkeys())
		return "no protection keys on this CPU";
	char why[80];
	int st = child_run(PROG, "exec-only-enqcmd");
	KTAP_EXPECT(child_exited_with(st, 0), "first ENQCMD from an execute-only page: %s",
		    child_describe(st, why, sizeof(why)));
	st = child_run(PROG, "exec-only-read");
	KTAP_EXPECT(child_killed_by(st, SIGSEGV), "a data read of that page (it must be execute-only): %s",
		    child_describe(st, why, sizeof(why)));
	return NULL;
}

/* 5: a futex on the portal is refused, as Linux refuses device memory. */
static const char *no_futex_on_the_portal(void)
{
	if (!bind_once())
		return "not bound";
	long r = raw_syscall6(SYS_futex, (long)portal, 1 /* FUTEX_WAKE */, 1, 0, 0, 0);
	KTAP_EXPECT(r == -EFAULT, "FUTEX_WAKE on the portal: %ld, want -EFAULT", r);
	r = raw_syscall6(SYS_futex, (long)portal, 0 /* FUTEX_WAIT */, 1, 0, 0, 0);
	KTAP_EXPECT(r == -EFAULT, "FUTEX_WAIT on the portal: %ld, want -EFAULT", r);
	r = raw_syscall3(SYS_write, 1, (long)portal, 1);
	KTAP_EXPECT(r == -EFAULT, "write(2) from the portal: %ld, want -EFAULT", r);
	return NULL;
}

/* 5, 8: unmapping the portal or mapping over it loses no page, and bind
 * then hands back a portal that is mapped (20 children of each kind). */
static const char *unmap_and_map_over_the_portal(void)
{
	if (!on_kestrel())
		return "not running on Kestrel";
	static const char *const modes[] = { "mapfixed-over-portal", "rebind-after-mapfixed", "munmap-then-bind" };
	for (int m = 0; m < 3; m++) {
		long before = kestrel_free_pages();
		int failed = 0, st, first = 0;
		for (int i = 0; i < 20; i++)
			if (!child_exited_with(st = child_run(PROG, modes[m]), 0) && !failed++)
				first = st;
		char why[80];
		KTAP_EXPECT(!failed, "%s: %d of 20 children failed, the first: %s", modes[m], failed,
			    child_describe(first, why, sizeof(why)));
		KTAP_EXPECT(kestrel_free_pages() == before, "%s: free pages %ld after 20 children, %ld before",
			    modes[m], kestrel_free_pages(), before);
	}
	return NULL;
}

/* ---- children ---- */

static volatile int stop_spinning;
static void *spinner(void *unused)
{
	(void)unused;
	while (!stop_spinning)
		sched_yield();
	return NULL;
}

/* With another thread runnable, so that each yield is a real switch.  No
 * libc in between: its TLS is reached through FS. */
static int fs_live(void)
{
	static struct accel_desc d;
	static struct accel_completion c;
	uint64_t old = 0, now = 1, got;
	pthread_t th;
	if (!bind_once() || pthread_create(&th, NULL, spinner, NULL))
		return 1;
	raw_syscall2(SYS_arch_prctl, ARCH_GET_FS, &old);
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_NOOP << 24, .completion = (uint64_t)&c };
	int ret = 0;

	__asm__ volatile("mov %0, %%fs" :: "r"(0x23u));	/* user data segment: base 0 */
	raw_syscall2(SYS_arch_prctl, ARCH_GET_FS, &now);
	yield_raw(20);
	__asm__ volatile("movq %%fs:(%1), %0" : "=r"(got) : "r"(&probe));
	/* source %fs:(%rsi) with base 0 is d itself */
	__asm__ volatile(".byte 0x64, 0xf2, 0x0f, 0x38, 0xf8, 0x06" :: "a"(portal), "S"(&d) : "cc", "memory");
	int status = wait_raw(&c);
	raw_syscall2(SYS_arch_prctl, ARCH_SET_FS, old);	/* libc's TLS again */

	if (now != 0)
		ret = 10;
	else if (got != MAGIC)
		ret = 11;
	else if (status != ACCEL_STATUS_SUCCESS)
		ret = 12;
	stop_spinning = 1;
	pthread_join(th, NULL);
	return ret;
}

static int gs_live(void)
{
	static struct accel_desc d __attribute__((aligned(64)));
	static struct accel_completion c;
	static uint64_t block[2] = { MAGIC + 1, 0 };
	uint64_t got = 0, base = 0;
	pthread_t th;
	if (!bind_once() || pthread_create(&th, NULL, spinner, NULL))
		return 1;
	int ret = 0;
	if (raw_syscall2(SYS_arch_prctl, ARCH_SET_GS, block) != 0)
		ret = 20;
	if (!ret) {
		__asm__ volatile("movq %%gs:0, %0" : "=r"(got));
		if (got != MAGIC + 1)
			ret = 21;
	}
	if (!ret) {
		yield_raw(20);
		__asm__ volatile("movq %%gs:0, %0" : "=r"(got));
		raw_syscall2(SYS_arch_prctl, ARCH_GET_GS, &base);
		ret = got != MAGIC + 1 ? 22 : base != (uint64_t)block ? 23 : 0;
	}
	if (!ret) {
		d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_NOOP << 24, .completion = (uint64_t)&c };
		raw_syscall2(SYS_arch_prctl, ARCH_SET_GS, &d);
		/* source %gs:(%rsi) with rsi = 0 is d */
		__asm__ volatile(".byte 0x65, 0xf2, 0x0f, 0x38, 0xf8, 0x06" :: "a"(portal), "S"(0) : "cc", "memory");
		if (wait_raw(&c) != ACCEL_STATUS_SUCCESS)
			ret = 24;
	}
	if (!ret) {
		__asm__ volatile("mov %0, %%gs" :: "r"(0x23u));	/* base 0 */
		base = 1;
		raw_syscall2(SYS_arch_prctl, ARCH_GET_GS, &base);
		yield_raw(20);
		__asm__ volatile("movq %%gs:(%1), %0" : "=r"(got) : "r"(&probe));
		ret = base != 0 ? 25 : got != MAGIC ? 26 : 0;
	}
	stop_spinning = 1;
	pthread_join(th, NULL);
	return ret;
}

/* RFLAGS.TF set just before ENQCMD (POPF: the trap comes after the next
 * instruction), then exit_group(42), which must never run. */
static int tf_enqcmd(bool activate_first)
{
	static struct accel_desc d = { .flags_op = (uint32_t)ACCEL_NOOP << 24 };
	if (!bind_once() || (activate_first && accel_noop(portal) != ACCEL_STATUS_SUCCESS))
		return 1;
	__asm__ volatile("subq $128, %%rsp\n\t"
			 "pushfq\n\t"
			 "orq $0x100, (%%rsp)\n\t"
			 "popfq\n\t"
			 ".byte 0xf2, 0x0f, 0x38, 0xf8, 0x16\n\t"	/* enqcmd (%rsi), %rdx */
			 "syscall\n\t"
			 "addq $128, %%rsp"
			 :: "d"(portal), "S"(&d), "a"(231), "D"(42) : "rcx", "r11", "cc", "memory");
	return 2;
}

/* mov %rdi,%rax; enqcmd (%rsi),%rax; sete %al; movzbl %al,%eax; ret */
static const uint8_t enqcmd_fn[] = {
	0x48, 0x89, 0xf8, 0xf2, 0x0f, 0x38, 0xf8, 0x06, 0x0f, 0x94, 0xc0, 0x0f, 0xb6, 0xc0, 0xc3,
};

static int exec_only_enqcmd(bool read_it)
{
	static struct accel_desc d;
	static struct accel_completion c;
	uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long key = raw_syscall2(SYS_pkey_alloc_, 0, PKEY_DISABLE_ACCESS_);
	if (code == MAP_FAILED || key <= 0 || !bind_once())
		return 1;
	memcpy(code, enqcmd_fn, sizeof(enqcmd_fn));
	if (raw_syscall4(SYS_pkey_mprotect_, code, 4096, PROT_READ | PROT_EXEC, key))
		return 2;
	if (read_it)
		return *(volatile uint8_t *)code == enqcmd_fn[0] ? 3 : 4;	/* PKRU.AD: killed */
	int (*fn)(void *, const struct accel_desc *) = (void *)code;
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_NOOP << 24, .completion = (uint64_t)&c };
	if (fn(portal, &d) != 0)
		return 4;		/* refused: the queue cannot be full here */
	return wait_raw(&c) == ACCEL_STATUS_SUCCESS ? 0 : 5;
}

static int child_main(const char *mode)
{
	static struct accel_desc d = { .flags_op = (uint32_t)ACCEL_NOOP << 24 };
	if (!strcmp(mode, "fs-live"))
		return fs_live();
	if (!strcmp(mode, "gs-live"))
		return gs_live();
	if (!strcmp(mode, "tf-enqcmd") || !strcmp(mode, "tf-first-enqcmd"))
		return tf_enqcmd(!strcmp(mode, "tf-enqcmd"));
	if (!strncmp(mode, "exec-only-", 10))
		return exec_only_enqcmd(!strcmp(mode, "exec-only-read"));
	if (!bind_once() || accel_noop(portal) != ACCEL_STATUS_SUCCESS)
		return 90;
	if (!strncmp(mode, "enqcmd-prot-", 12)) {
		int prot = !strcmp(mode, "enqcmd-prot-none") ? PROT_NONE :
			   !strcmp(mode, "enqcmd-prot-read") ? PROT_READ : PROT_READ | PROT_EXEC;
		if (mprotect(portal, 4096, prot))
			return 2;
		enqcmd(portal, &d);		/* #PF, as a store to such a page */
		return 1;
	}
	if (!strcmp(mode, "portal-read"))
		return *(volatile char *)portal == 0 ? 1 : 2;
	if (!strcmp(mode, "portal-rw-store")) {
		mprotect(portal, 4096, PROT_READ | PROT_WRITE);
		*(volatile char *)portal = 1;
		return 1;
	}
	if (!strcmp(mode, "portal-rwx-run")) {
		mprotect(portal, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
		*(volatile uint8_t *)portal = 0xc3;	/* ret */
		((void (*)(void))portal)();
		return 1;
	}
	if (!strcmp(mode, "portal-pkey-wd")) {
		long key = raw_syscall2(SYS_pkey_alloc_, 0, PKEY_DISABLE_WRITE_);
		if (key <= 0 || raw_syscall4(SYS_pkey_mprotect_, portal, 4096, PROT_READ | PROT_WRITE, key))
			return 2;
		enqcmd(portal, &d);		/* #PF with PK: WD forbids the store */
		return 1;
	}
	if (!strncmp(mode, "mapfixed-over-portal", 20) || !strcmp(mode, "rebind-after-mapfixed")) {
		char *mem = mmap(portal, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (mem != portal)
			return 2;
		mem[0] = 42;			/* ordinary memory now, ours */
		if (!strcmp(mode, "mapfixed-over-portal"))
			return 0;		/* and exit: its page must come back */
		long again = kestrel_accel_bind();
		if (again <= 0 || again == (long)portal)
			return 3;		/* bind must not give back our own page */
		if (accel_noop((void *)again) != ACCEL_STATUS_SUCCESS || mem[0] != 42)
			return 4;
		return 0;
	}
	if (!strcmp(mode, "munmap-then-bind")) {
		if (munmap(portal, 4096))
			return 2;
		long again = kestrel_accel_bind();
		if (again <= 0)
			return 3;
		return accel_noop((void *)again) == ACCEL_STATUS_SUCCESS ? 0 : 4;
	}
	return 99;
}

static const struct ktap_case cases[] = {
	{ "flags_other_than_zf_are_cleared", flags_other_than_zf_are_cleared },
	{ "single_step_traps_after_enqcmd", single_step_traps_after_enqcmd },
	{ "segment_bases_are_live", segment_bases_are_live },
	{ "portal_protection", portal_protection },
	{ "portal_store_obeys_pkru", portal_store_obeys_pkru },
	{ "enqcmd_in_an_execute_only_page", enqcmd_in_an_execute_only_page },
	{ "no_futex_on_the_portal", no_futex_on_the_portal },
	{ "unmap_and_map_over_the_portal", unmap_and_map_over_the_portal },
};

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argv[1]);
	if (!on_kestrel()) {
		ktap_plan(1);
		ktap_skip("enqcmd", "not running on Kestrel");
		return 0;
	}
	return KTAP_RUN(cases);
}
