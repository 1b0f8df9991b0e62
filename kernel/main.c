/*
 * kmain: where boot/entry.asm lands, in 64-bit mode at the kernel's
 * higher-half address, on the boot stack, with interrupts off.  Bring the
 * machine up one layer at a time, each needing only those before it; then
 * start the first program (or the tests) and become the idle task.
 */
#include "kernel/kernel.h"
#include "traps/traps.h"
#include "drivers/accel.h"
#include "kernel/cmdline.h"
#include "cpu/cpu.h"
#include "kernel/crash.h"
#ifdef KESTREL_TEST
#include "kernel/ktest.h"
#endif
#include "mm/mm.h"
#include "boot/multiboot.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "drivers/pit.h"
#include "drivers/rtc.h"
#include "drivers/tty.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "drivers/pic.h"
#include "cpu/gdt.h"
#include "kernel/sched.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "mm/heap.h"
#include "drivers/console.h"
#include "kernel/exit.h"
#include "lib/printf.h"
#include "kernel/main.h"
#include "kernel/syscall.h"


#ifdef KESTREL_TEST
static void run_tests(void *selection)
{
	kexit(ktest_run(selection) ? EXIT_FAIL : EXIT_PASS);
}
#else
/* make run's kernel carries no tests: they are build/kestrel-test.elf's. */
static void run_tests(void *selection)
{
	kprintf("kestrel: ktest=%s: this kernel has no tests (boot build/kestrel-test.iso)\n",
		(const char *)selection);
	kexit(EXIT_FAIL);
}
#endif

/* make bench: the cost of each save/restore instruction, then stop. */
static void run_bench(void *unused)
{
	(void)unused;
	fpu_bench();
	kexit(EXIT_PASS);
}

/* The first program; when it exits, so does the machine (as with init). */
static void run_init(void *name)
{
	char *argv[] = { name, NULL }, *envp[] = { "HOME=/", NULL };
	long pid = process_spawn(name, argv, envp);
	if (pid < 0) {
		kprintf("kestrel: cannot start init=%s (error %ld)\n", (char *)name, pid);
		kexit(EXIT_FAIL);
	}
	int status;
	process_wait((int)pid, &status, 0);
	kprintf("kestrel: %s exited (wait status 0x%x)\n", (char *)name, status);
	kexit(status == 0 ? EXIT_PASS : EXIT_FAIL);
}

void kmain(uint32_t magic, uint64_t info_phys)
{
	console_init();
	kprintf("\nKestrel, a teaching kernel for x86-64 extended state\n");
	multiboot_parse(magic, info_phys);
	cmdline_parse(boot_info.cmdline);
	kprintf("cmdline: %s\n", boot_info.cmdline);

	gdt_init();
	idt_init();
	cpu_init();
	pmm_init();
	vm_init();
	heap_init();
	fpu_init();
	task_init();
	syscall_init();
	pic_init();
	rtc_init();
	pit_init();
	tty_init();
	sti();
	accel_init();

	crash_if_asked();
	const char *tests = cmdline_get("ktest");
	const char *init = cmdline_get("init");
	if (cmdline_has("bench"))
		kthread_create("bench", run_bench, NULL);
	else if (tests)
		kthread_create("ktest", run_tests, (void *)tests);
	else
		kthread_create("init", run_init, (void *)(init ? init : "sh"));

	for (;;) {	/* the idle task */
		cli();
		if (current()->flags & TIF_NEED_RESCHED)
			schedule();
		asm volatile("sti; hlt" ::: "memory");	/* STI's shadow: no wakeup lost before HLT */
	}
}
