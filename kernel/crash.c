/*
 * Deliberate kernel bugs, chosen with crash= on the command line, to show
 * (and test) what a kernel bug looks like: a panic with the registers and
 * a symbolized backtrace, and an emulator that exits with a failure code.
 *   crash=null    write through a NULL pointer (#PF, CR2 = 0)
 *   crash=stack   recurse until the boot stack's guard page (#PF, then #DF)
 *   crash=ud      execute UD2 (#UD)
 */
#include "kernel/kernel.h"
#include "kernel/cmdline.h"
#include "kernel/crash.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "kernel/panic.h"

__attribute__((noinline)) static void crash_null(void)
{
	volatile int *p = NULL;
	*p = 42;
}

static volatile bool never;	/* keeps the compiler from seeing the recursion as endless */

__attribute__((noinline)) static int crash_stack(int depth)
{
	volatile char pad[512];
	if (never)
		return 0;
	pad[0] = (char)depth;
	return crash_stack(depth + 1) + pad[0];
}

void crash_if_asked(void)
{
	const char *what = cmdline_get("crash");
	if (!what)
		return;
	kprintf("crash: deliberately crashing (crash=%s)\n", what);
	if (strcmp(what, "null") == 0)
		crash_null();
	else if (strcmp(what, "stack") == 0)
		crash_stack(0);
	else if (strcmp(what, "ud") == 0)
		asm volatile("ud2");
	panic("crash=%s: unknown crash kind (null, stack, ud)", what);
}
