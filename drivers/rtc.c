/*
 * The MC146818 real-time clock in the CMOS (ports 0x70/0x71): read once at
 * boot to give CLOCK_REALTIME its origin.  Its registers hold BCD unless
 * status register B bit 2 says binary; the year is two digits.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "drivers/rtc.h"
#include "kernel/time.h"

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

void rtc_init(void)
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
	time_set_boot_epoch(days * 86400 + hour * 3600 + min * 60 + sec);
}
