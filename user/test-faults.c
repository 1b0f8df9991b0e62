/*
 * test-faults: a user program that faults is killed, with the signal Linux
 * would send, and nothing else is harmed.  Each fault runs in a child
 * (child.h); the parent checks the child's wait status and carries on.
 *
 * The faulting instructions are inline assembly, not C: a C compiler may
 * turn a NULL dereference it can prove into ud2, which faults differently.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "child.h"
#include "kestrel.h"
#include "ktap.h"

#define PROG "test-faults"

static void write_null(void)
{
	__asm__ volatile("movl $1, (%0)" :: "r"(0L) : "memory");
}

/* The kernel's own image: mapped, but not for ring 3.  #PF, U/S violation. */
static void read_kernel(void)
{
	__asm__ volatile("movl (%0), %%eax" :: "r"(0xffffffff80100000UL) : "eax");
}

/* Not an address at all: bits 63..47 differ.  #GP, not #PF. */
static void read_noncanonical(void)
{
	__asm__ volatile("movl (%0), %%eax" :: "r"(0x8000000000000000UL) : "eax");
}

static void undefined_instruction(void)
{
	__asm__ volatile("ud2");
}

static void divide_by_zero(void)
{
	__asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\txor %%ecx, %%ecx\n\tdiv %%ecx"
			 ::: "eax", "ecx", "edx");
}

/* INT_MIN / -1 does not fit: also #DE. */
static void divide_overflow(void)
{
	__asm__ volatile("mov $0x80000000, %%eax\n\tcltd\n\tmov $-1, %%ecx\n\tidiv %%ecx"
			 ::: "eax", "ecx", "edx");
}

static void breakpoint(void)
{
	__asm__ volatile("int3");
}

static void write_own_code(void)
{
	__asm__ volatile("movb $0xc3, (%0)" :: "r"((unsigned long)write_own_code) : "memory");
}

static void run_on_stack(void)
{
	unsigned char code[16] = { 0xc3 };	/* ret */
	void (*fn)(void) = (void (*)(void))(void *)code;

	fn();	/* the stack is not executable (NX): #PF on the fetch */
}

/* Privileged instruction in ring 3: #GP. */
static void halt(void)
{
	__asm__ volatile("hlt");
}

/*
 * A software interrupt to a vector whose gate is for the kernel only
 * (DPL 0): #GP.  A kernel that left DPL 3 on these gates would run its
 * page-fault handler without the error code it expects, or its timer
 * handler at a user's whim.
 */
static void int_page_fault_vector(void)
{
	__asm__ volatile("int $0x0e");
}

static void int_timer_vector(void)
{
	__asm__ volatile("int $0x20");
}

static long recurse(long depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1) + frame[0];	/* not a tail call: each frame stays */
}

/* Runs off the end of the stack: the page below must not be mapped. */
static void overflow_stack(void)
{
	volatile long depth = 1L << 40;
	recurse(depth);
}

/*
 * A syscall instruction in the last two bytes of user space: the address
 * after it, where sysret returns to, is not canonical.  On Intel CPUs
 * sysret then faults in ring 0, on the user's stack (CVE-2012-0217).
 * Linux refuses to map that page at all; a kernel that allows it must
 * return some other way, and the child then faults fetching at 2^47.
 */
static void syscall_at_end_of_user_space(void)
{
	unsigned char *page = (unsigned char *)0x00007ffffffff000UL;
	long r = raw_syscall6(SYS_mmap, (long)page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (r != (long)page)
		raw_syscall1(SYS_exit_group, 0);	/* refused, as on Linux */
	page[4094] = 0x0f;	/* syscall */
	page[4095] = 0x05;
	__asm__ volatile("mov %1, %%eax\n\tjmp *%0" :: "r"(page + 4094), "i"(SYS_getpid) : "rax", "memory");
}

static void *write_null_thread(void *arg)
{
	write_null();
	return arg;
}

/* A fault in one thread ends the whole process. */
static void fault_in_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, write_null_thread, NULL) == 0)
		pthread_join(t, NULL);
}

static void exit_group_42(void)
{
	raw_syscall1(SYS_exit_group, 42);
}

static void *exit_group_thread(void *arg)
{
	raw_syscall1(SYS_exit_group, 7);
	return arg;
}

/* exit_group from a second thread ends the main thread too. */
static void exit_group_from_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, exit_group_thread, NULL) == 0)
		pthread_join(t, NULL);
}

static const struct fault {
	const char *name;	/* the case, and the child's argv[1] */
	void (*act)(void);
	int signal;		/* the child must be killed by this... */
	int status;		/* ...or, if signal is 0, exit with this */
	bool may_refuse;	/* exit 0 also passes: the kernel refused to set the fault up */
} faults[] = {
	{ "pf-null", write_null, SIGSEGV, 0, false },
	{ "pf-kernel-addr", read_kernel, SIGSEGV, 0, false },
	{ "gp-noncanonical", read_noncanonical, SIGSEGV, 0, false },
	{ "ud", undefined_instruction, SIGILL, 0, false },
	{ "de", divide_by_zero, SIGFPE, 0, false },
	{ "de-overflow", divide_overflow, SIGFPE, 0, false },
	{ "bp", breakpoint, SIGTRAP, 0, false },
	{ "pf-write-ro-text", write_own_code, SIGSEGV, 0, false },
	{ "exec-nx-stack", run_on_stack, SIGSEGV, 0, false },
	{ "gp-hlt", halt, SIGSEGV, 0, false },
	{ "gp-int-0x0e", int_page_fault_vector, SIGSEGV, 0, false },
	{ "gp-int-0x20", int_timer_vector, SIGSEGV, 0, false },
	{ "stack-overflow", overflow_stack, SIGSEGV, 0, false },
	{ "pf-in-thread", fault_in_thread, SIGSEGV, 0, false },
	{ "sysret-noncanonical", syscall_at_end_of_user_space, SIGSEGV, 0, true },
	{ "exit-group-42", exit_group_42, 0, 42, false },
	{ "exit-group-from-thread", exit_group_from_thread, 0, 7, false },
};

#define NFAULTS ((int)(sizeof(faults) / sizeof(faults[0])))

static int child_main(const char *mode)
{
	for (int i = 0; i < NFAULTS; i++)
		if (strcmp(mode, faults[i].name) == 0) {
			faults[i].act();
			return 0;	/* still here: the parent reports it */
		}
	return 100;
}

static void check_fault(const struct fault *f)
{
	char why[80];
	int status = child_run(PROG, f->name);

	if (f->signal)
		KTAP_EXPECT(child_killed_by(status, f->signal) || (f->may_refuse && child_exited_with(status, 0)),
			    "child %s: %s, want signal %d (%s)",
			    f->name, child_describe(status, why, sizeof(why)), f->signal, signame(f->signal));
	else
		KTAP_EXPECT(child_exited_with(status, f->status), "child %s: %s, want exit status %d",
			    f->name, child_describe(status, why, sizeof(why)), f->status);
	ktap_result(f->name);
}

static void spawn_missing_program(void)
{
	char *argv[] = { "no-such-program", NULL };
	long r = kestrel_spawn("no-such-program", argv, environ);

	if (r == -ENOSYS) {
		ktap_skip("spawn-missing-program", "not running on Kestrel");
		return;
	}
	KTAP_EXPECT(r == -ENOENT, "kestrel_spawn(\"no-such-program\") = %ld, want -ENOENT", r);
	ktap_result("spawn-missing-program");
}

/* Killing a process frees all it had, as exiting does. */
static void killed_children_return_memory(void)
{
	if (!on_kestrel()) {
		ktap_skip("killed-children-return-memory", "not running on Kestrel");
		return;
	}
	child_run(PROG, "pf-in-thread");	/* warm up whatever the kernel keeps */
	long before = kestrel_free_pages();
	child_run(PROG, "pf-in-thread");
	child_run(PROG, "stack-overflow");
	child_run(PROG, "exit-group-from-thread");
	long after = kestrel_free_pages();
	KTAP_EXPECT(before == after, "free pages %ld before three killed children, %ld after",
		    before, after);
	ktap_result("killed-children-return-memory");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argv[1]);

	ktap_plan(NFAULTS + 2);
	for (int i = 0; i < NFAULTS; i++)
		check_fault(&faults[i]);
	spawn_missing_program();
	killed_children_return_memory();
	return ktap_exit();
}
