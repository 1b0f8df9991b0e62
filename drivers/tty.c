/*
 * Console input: COM1's receive interrupt (drivers/uart.c) feeds a line
 * editor.  Characters are echoed, backspace erases, and a read() returns
 * once a whole line (or ^D) is there, as a terminal in canonical mode does.
 * ^C sends SIGINT to the session that reads the console (kernel/signal.c).
 */
#include "kernel/kernel.h"
#include "uapi/errno.h"
#include "kernel/task.h"
#include "drivers/tty.h"
#include "kernel/signal.h"
#include "kernel/process.h"
#include "uapi/signal.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "drivers/pic.h"
#include "kernel/sched.h"
#include "drivers/console.h"
#include "drivers/uart.h"

#define BUF 256

static char buf[BUF];
static size_t r, w, e;		/* read, written (complete lines), edit positions */
static int reader_sid;		/* the session that reads the console: ^C goes there */

static void tty_irq(struct trap_frame *tf)
{
	(void)tf;
	for (int b; (b = uart_getc()) >= 0;) {
		char c = (char)b;
		if (c == '\r')
			c = '\n';
		if (c == 3) { /* ^C: drop the line being typed, interrupt the session */
			console_write("^C\n", 3);
			e = w;
			if (reader_sid)
				signal_send_session(reader_sid, KSIGINT);
			continue;
		}
		if (c == 0x7f || c == '\b') {
			if (e != w) {
				e--;
				console_write("\b \b", 3);
			}
			continue;
		}
		if (e - r >= BUF - 1)
			continue;	/* full: drop */
		if (c != 4)		/* ^D: end of input, not echoed */
			console_write(&c, 1);
		buf[e++ % BUF] = c;
		if (c == '\n' || c == 4) {
			w = e;
			wakeup(&w);
		}
	}
}

void tty_init(void)
{
	uart_enable_rx(tty_irq);
}

long tty_read(char *ubuf, size_t n)
{
	size_t got = 0;
	cli();
	reader_sid = current()->proc->sid;
	while (r == w) {
		if (signal_pending(current())) {
			sti();
			return -ERESTARTSYS;
		}
		sleep_on(&w);
	}
	while (got < n && r != w) {
		char c = buf[r++ % BUF];
		if (c == 4)
			break;		/* ^D: return what we have (0 = end of file) */
		sti();
		if (copy_to_user(ubuf + got, &c, 1))
			return got ? (long)got : -EFAULT;
		cli();
		got++;
		if (c == '\n')
			break;
	}
	sti();
	return (long)got;
}
