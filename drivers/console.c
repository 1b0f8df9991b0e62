/*
 * The console: where kprintf and panics write, a terminal on COM1
 * (drivers/uart.c), so a newline is sent as CR LF.
 */
#include "kernel/kernel.h"
#include "drivers/console.h"
#include "drivers/uart.h"

void console_init(void)
{
	uart_init();
}

static bool midline; /* the last byte written was not a newline */

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
	if (n)
		midline = s[n - 1] != '\n';
}

/* Whole lines (the test runner's KTAP) start on a line of their own, even
 * after a program's output that did not end in a newline. */
void console_write_line(const char *s, size_t n)
{
	if (midline)
		console_write("\n", 1);
	console_write(s, n);
}

int kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	return n;
}
