/*
 * panic(): say what went wrong, where (registers and a symbolized
 * backtrace), and stop the machine with a failure status so a test run
 * fails at once instead of hanging.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "kernel/exit.h"
#include "kernel/ksyms.h"
#include "lib/printf.h"
#include "kernel/panic.h"

static bool in_bounds(uint64_t rbp)
{
	/* Kernel stacks live in the kernel image, the direct map or the stack area. */
	return rbp >= PHYS_BASE && (rbp & 7) == 0;
}

void backtrace_from(uint64_t rbp)
{
	kprintf("backtrace:\n");
	for (int depth = 0; depth < 32 && rbp && in_bounds(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1], off;
		if (ret < KERNEL_VMA)
			break;
		/* ret-1: the call instruction, which may be the function's last. */
		const char *name = ksym_lookup(ret - 1, &off);
		kprintf("  [<%016lx>] %s+0x%lx\n", ret, name ? name : "?", off + 1);
		if (frame[0] <= rbp)	/* stacks grow down: callers are higher */
			break;
		rbp = frame[0];
	}
}

void panic_frame(const struct trap_frame *tf, const char *fmt, ...)
{
	static bool panicking;
	char buf[256];
	va_list ap;

	cli();
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC: %s\n", buf);
	if (panicking)		/* a panic while panicking: just stop */
		kexit(EXIT_PANIC);
	panicking = true;

	if (tf) {
		uint64_t off;
		const char *name = ksym_lookup(tf->rip, &off);
		kprintf("  at %s+0x%lx\n", name ? name : "?", off);
		trap_print_frame(tf);
		backtrace_from(tf->rbp);
	} else {
		backtrace_from(read_rbp());
	}
	kexit(EXIT_PANIC);
}

void lab_todo(const char *what) { kprintf("lab: not written yet: %s\n", what); }

void lab_todo_panic(const char *what) { panic("lab: not written yet: %s", what); }
