/* The CMOS real-time clock, read once at boot (drivers/rtc.c). */
#pragma once

void rtc_init(void);		/* sets the boot time in kernel/time.c */
