/*
 * The console is the first serial port (COM1, a 16550 UART).  Output is
 * polled: simple, works before interrupts, and survives a panic.
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "drivers/console.h"

#define COM1	0x3f8
#define LSR	5		/* line status register */
#define LSR_THRE 0x20		/* transmit holding register empty */

void console_init(void)
{
	outb(COM1 + 1, 0x00);	/* no UART interrupts (for now) */
	outb(COM1 + 3, 0x80);	/* DLAB on: the next two bytes are the divisor */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8 data bits, no parity, one stop bit */
	outb(COM1 + 2, 0xc7);	/* FIFOs on and cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static void serial_putc(char c)
{
	while (!(inb(COM1 + LSR) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
