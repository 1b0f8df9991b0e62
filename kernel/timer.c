/*
 * The tick: channel 0 of the 8254 PIT, on IRQ 0, at HZ interrupts a second.
 * The PIT is old but exists on every PC and every emulator, and needs no
 * calibration: its input clock is a fixed 1.193182 MHz.
 */
#include "kernel.h"
#include "x86.h"
#include "timer.h"
#include "traps/traps.h"

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CMD		0x43

static volatile uint64_t ticks;

static void timer_irq(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
}

void timer_init(void)
{
	uint16_t divisor = PIT_HZ / HZ;
	outb(PIT_CMD, 0x34);		/* channel 0, lo/hi byte, mode 2 (rate generator) */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	irq_register(0, timer_irq);
	kprintf("timer: PIT at %d Hz\n", HZ);
}

uint64_t timer_ticks(void)
{
	return ticks;
}
