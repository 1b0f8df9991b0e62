/*
 * Ending a run.  Emulators give a guest no "power off with status" button,
 * so each offers a port: QEMU's isa-debug-exit device (-device
 * isa-debug-exit,iobase=0xf4,iosize=4) exits with status (value << 1) | 1,
 * and Bochs stops when "Shutdown" is written to port 0x8900.  Bochs's own
 * exit status says nothing about ours, so the last console line carries it
 * for the harness (tools/ktest.py).  On real hardware both ports are
 * unused and the CPU just halts.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "kernel/exit.h"
#include "lib/printf.h"

#define QEMU_EXIT_PORT	0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

void kexit(int code)
{
	cli();
	kprintf("kestrel: exit %d\n", code);
	outl(QEMU_EXIT_PORT, (uint32_t)code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	for (;;)
		hlt();
}
