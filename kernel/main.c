/*
 * kmain: where boot/entry.asm lands, in 64-bit mode at the kernel's
 * higher-half address, on the boot stack, with interrupts off.  Bring the
 * machine up one layer at a time, each needing only those before it.
 */
#include "kernel.h"
#include "cmdline.h"
#include "cpu.h"
#include "crash.h"
#include "ktest.h"
#include "mm.h"
#include "multiboot.h"
#include "timer.h"
#include "x86.h"
#include "traps/pic.h"
#include "traps/traps.h"

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
	pic_init();
	timer_init();
	sti();

	crash_if_asked();
	const char *tests = cmdline_get("ktest");
	if (tests)
		kexit(ktest_run(tests) ? EXIT_FAIL : EXIT_PASS);

	kprintf("kestrel: up; nothing to run yet (try ktest=all)\n");
	for (;;)
		hlt();
}
