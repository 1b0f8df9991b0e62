/*
 * The tick: channel 0 of the 8254 PIT, on IRQ 0, at HZ interrupts a second.
 * The PIT is old but exists on every PC and every emulator, and needs no
 * calibration: its input clock is a fixed 1.193182 MHz.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "drivers/pit.h"
#include "kernel/time.h"
#include "cpu/frame.h"
#include "drivers/pic.h"

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CMD		0x43

static void pit_irq(struct trap_frame *tf)
{
	(void)tf;
	time_tick();
}

void pit_init(void)
{
	uint16_t divisor = PIT_HZ / HZ;
	outb(PIT_CMD, 0x34);		/* channel 0, lo/hi byte, mode 2 (rate generator) */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	irq_register(0, pit_irq);
	kprintf("timer: PIT at %d Hz\n", HZ);
}
