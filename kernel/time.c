/*
 * Time: a tick counter driven by the timer interrupt (drivers/pit.c, HZ a
 * second), and the wall-clock time at boot (drivers/rtc.c).  Everything
 * the kernel knows of time is ticks since boot; clock_gettime adds the
 * boot time for CLOCK_REALTIME.
 */
#include "kernel/kernel.h"
#include "kernel/sched.h"
#include "kernel/time.h"

static volatile uint64_t ticks;
static int64_t boot_epoch;

/* From the timer interrupt: one more tick, and the scheduler's turn. */
void time_tick(void)
{
	ticks++;
	sched_tick();
}

uint64_t timer_ticks(void)
{
	return ticks;
}

uint64_t timer_nanoseconds(void)
{
	return ticks * (1000000000ull / HZ);
}

void time_set_boot_epoch(int64_t seconds)
{
	boot_epoch = seconds;
}

int64_t timer_boot_epoch(void)
{
	return boot_epoch;
}
