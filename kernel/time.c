/*
 * Time: a tick counter driven by the timer interrupt (drivers/pit.c, HZ a
 * second), and the wall-clock time at boot (drivers/rtc.c).  Everything
 * the kernel knows of time is ticks since boot; clock_gettime adds the
 * boot time for CLOCK_REALTIME.
 */
#include "kernel/kernel.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "mm/uaccess.h"
#include "uapi/errno.h"

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

/*
 * A relative struct timespec from user memory (nanosleep, futex,
 * rt_sigtimedwait), as whole ticks, rounded up: the clock a caller
 * measures with (clock_gettime, timer_nanoseconds) is the tick count
 * itself, so waking ceil(ns / tick) ticks later it has waited at least as
 * long as asked (POSIX nanosleep: "at least the time specified ... as
 * measured by the system clock").  0, -EFAULT, or -EINVAL as Linux's.
 */
int timespec_from_user(const void *uts, uint64_t *ticks)
{
	struct timespec64 ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	*ticks = (uint64_t)ts.sec * HZ + ((uint64_t)ts.nsec + TICK_NS - 1) / TICK_NS;
	return 0;
}
