#pragma once
#include <stdint.h>
#define HZ 1000
void timer_init(void);
uint64_t timer_ticks(void);
uint64_t timer_nanoseconds(void);	/* since boot */
void timer_read_rtc(void);
int64_t timer_boot_epoch(void);		/* seconds since 1970 at boot */
