/*
 * The tick: channel 0 of the 8254 PIT, on IRQ 0, at HZ interrupts a second.
 * The PIT is old but exists on every PC and every emulator, and needs no
 * calibration: its input clock is a fixed 1.193182 MHz.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "drivers/timer.h"
#include "kernel/task.h"
#include "traps/traps.h"
#include "kernel/sched.h"
#include "lib/printf.h"

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CMD		0x43

static volatile uint64_t ticks;

static void timer_irq(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
	sched_tick();
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

uint64_t timer_nanoseconds(void)
{
	return ticks * (1000000000ull / HZ);
}

/*
 * The wall-clock time at boot, from the CMOS real-time clock (binary or
 * BCD, as its status register B says), for CLOCK_REALTIME.
 */
static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int64_t boot_epoch;

void timer_read_rtc(void)
{
	while (cmos(0x0a) & 0x80)	/* update in progress */
		;
	int sec = cmos(0), min = cmos(2), hour = cmos(4), day = cmos(7), mon = cmos(8), year = cmos(9);
	if (!(cmos(0x0b) & 4)) {
#define BCD(x) (((x) >> 4) * 10 + ((x) & 15))
		sec = BCD(sec), min = BCD(min), hour = BCD(hour);
		day = BCD(day), mon = BCD(mon), year = BCD(year);
	}
	year += 2000;
	/* Days since 1970-01-01 (proleptic Gregorian, civil-from-days inverse). */
	int y = year - (mon <= 2), era = y / 400, yoe = y - era * 400;
	int doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	boot_epoch = days * 86400 + hour * 3600 + min * 60 + sec;
}

int64_t timer_boot_epoch(void)
{
	return boot_epoch;
}
