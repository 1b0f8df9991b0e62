/* System calls for the console, time and identity. */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "uapi/errno.h"
#include "kernel/task.h"
#include "kernel/time.h"
#include "drivers/tty.h"
#include "mm/uaccess.h"
#include "cpu/frame.h"
#include "kernel/sched.h"
#include "drivers/console.h"
#include "lib/string.h"

/*
 * A process the test kernel runs for a foreign test suite (kernel/
 * selftests_test.c) has its output turned into KTAP diagnostics: each line
 * starts with its prefix ("        # "), so that a program printing TAP of
 * its own cannot be mistaken for the kernel's results.
 */
static void console_write_lines(struct process *p, const char *s, size_t n)
{
	if (!p->console_prefix[0]) {
		console_write(s, n);
		return;
	}
	for (size_t i = 0; i < n;) {
		if (!p->console_midline)
			console_write(p->console_prefix, strlen(p->console_prefix));
		const char *nl = memchr(s + i, '\n', n - i);
		size_t k = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
		console_write(s + i, k);
		p->console_midline = !nl;
		i += k;
	}
}

static long console_write_user(const char *ubuf, size_t n)
{
	char chunk[256];
	size_t done = 0;
	while (done < n) {
		size_t k = MIN(n - done, sizeof(chunk));
		if (copy_from_user(chunk, ubuf + done, k))
			return done ? (long)done : -EFAULT;
		console_write_lines(current()->proc, chunk, k);
		done += k;
	}
	return (long)done;
}

long sys_write(struct trap_frame *tf)
{
	if (tf->rdi != 1 && tf->rdi != 2)
		return -EBADF;
	return console_write_user((const char *)tf->rsi, tf->rdx);
}

long sys_writev(struct trap_frame *tf)
{
	struct { const char *base; size_t len; } iov;
	long total = 0;
	if (tf->rdi != 1 && tf->rdi != 2)
		return -EBADF;
	if ((int)tf->rdx < 0 || tf->rdx > 1024)
		return -EINVAL;
	for (uint64_t i = 0; i < tf->rdx; i++) {
		if (copy_from_user(&iov, (char *)tf->rsi + i * sizeof(iov), sizeof(iov)))
			return total ? total : -EFAULT;
		long n = console_write_user(iov.base, iov.len);
		if (n < 0)
			return total ? total : n;
		total += n;
	}
	return total;
}

long sys_read(struct trap_frame *tf)
{
	if (tf->rdi != 0)
		return -EBADF;
	if (tf->rdx == 0)
		return 0;
	if (!access_ok((void *)tf->rsi, tf->rdx))
		return -EFAULT;		/* before waiting for input, as Linux does */
	return tty_read((char *)tf->rsi, tf->rdx);
}

long sys_close(struct trap_frame *tf)
{
	return tf->rdi <= 2 ? 0 : -EBADF;
}

/*
 * The console answers TIOCGWINSZ as a terminal of a fixed 80x24: a serial
 * line has no way to learn the real size, and saying "terminal" makes
 * musl line-buffer stdout (isatty() is this ioctl), so a program's output
 * appears as it prints it.  Every other request: not supported.
 */
long sys_ioctl(struct trap_frame *tf)
{
	enum { TIOCGWINSZ = 0x5413 };
	struct { uint16_t rows, cols, xpixel, ypixel; } ws = { 24, 80, 0, 0 };
	if (tf->rdi > 2)
		return -EBADF;
	if (tf->rsi != TIOCGWINSZ)
		return -ENOTTY;
	return copy_to_user((void *)tf->rdx, &ws, sizeof(ws));
}

long sys_nanosleep(struct trap_frame *tf)
{
	uint64_t ticks;
	int err = timespec_from_user((const void *)tf->rdi, &ticks);
	if (err)
		return err;
	uint64_t end = timer_ticks() + ticks;
	if (!sleep_until(end))
		return 0;
	/* A signal ended it: -EINTR, and the time left in rem if asked.  (Linux
	 * restarts it instead when no handler ran; Kestrel's only signals that
	 * wake a sleeper without a handler end the process anyway.) */
	uint64_t left = end > timer_ticks() ? (end - timer_ticks()) * TICK_NS : 0;
	struct timespec64 rem = { (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
	if (tf->rsi && copy_to_user((void *)tf->rsi, &rem, sizeof(rem)))
		return -EFAULT;
	return -EINTR;
}

long sys_clock_gettime(struct trap_frame *tf)
{
	enum { CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1 };
	if (tf->rdi != CLOCK_REALTIME && tf->rdi != CLOCK_MONOTONIC)
		return -EINVAL;
	uint64_t ns = timer_nanoseconds();
	struct timespec64 ts = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
	if (tf->rdi == CLOCK_REALTIME)
		ts.sec += timer_boot_epoch();
	return copy_to_user((void *)tf->rsi, &ts, sizeof(ts));
}

long sys_set_robust_list(struct trap_frame *tf)
{
	if (tf->rsi != 24)	/* sizeof(struct robust_list_head) */
		return -EINVAL;
	current()->robust_list = tf->rdi;
	return 0;
}

// LAB syscall: begin
/*
 * uname(2): Linux's struct new_utsname, six strings of 65 bytes.  One
 * copy_to_user of the whole struct, so a buffer that runs into a page the
 * program may not write gets -EFAULT with nothing written.  The release
 * names the Linux ABI Kestrel follows, as programs parse it.
 */
long sys_uname(struct trap_frame *tf)
{
	static const char fields[6][65] = {
		"Kestrel", "kestrel", "6.12.0-kestrel", "#1 Kestrel teaching kernel",
		"x86_64",  "(none)",
	};
	return copy_to_user((void *)tf->rdi, fields, sizeof(fields));
}
// LAB syscall: end
