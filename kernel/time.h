/* Ticks since boot and the wall-clock time at boot (kernel/time.c). */
#pragma once
#include <stdint.h>

#define HZ 1000
#define TICK_NS (1000000000ull / HZ)

struct timespec64 {
	int64_t sec, nsec;
}; /* Linux's struct timespec on x86-64 */
int timespec_from_user(const void *uts, uint64_t *ticks);

void time_tick(void);			/* the timer interrupt's one call */
uint64_t timer_ticks(void);
uint64_t timer_nanoseconds(void);	/* since boot */
void time_set_boot_epoch(int64_t seconds);
int64_t timer_boot_epoch(void);		/* seconds since 1970 at boot */
