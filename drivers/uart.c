/*
 * The first serial port, COM1: a 16550 UART at I/O port 0x3f8, the one
 * driver for it.  Output is polled (simple, works before interrupts, and
 * survives a panic): drivers/console.c writes through it.  Input arrives
 * by interrupt (IRQ 4) once drivers/tty.c asks for it.  (Only the 32-bit
 * entry's error path, boot/entry.asm, writes the port before any C runs.)
 */
#include "kernel/kernel.h"
#include "cpu/x86.h"
#include "drivers/pic.h"
#include "drivers/uart.h"

#define COM1	0x3f8
#define RBR	0		/* receive buffer (read), transmit holding (write) */
#define IER	1		/* interrupt enable */
#define FCR	2		/* FIFO control */
#define LCR	3		/* line control; bit 7: DLAB */
#define MCR	4		/* modem control */
#define LSR	5		/* line status */
#define LSR_DR	 0x01		/* data ready */
#define LSR_THRE 0x20		/* transmit holding register empty */
#define IRQ_COM1 4

void uart_init(void)
{
	outb(COM1 + IER, 0x00);	/* no UART interrupts until uart_enable_rx */
	outb(COM1 + LCR, 0x80);	/* DLAB on: the next two bytes are the divisor */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + LCR, 0x03);	/* 8 data bits, no parity, one stop bit */
	outb(COM1 + FCR, 0xc7);	/* FIFOs on and cleared */
	outb(COM1 + MCR, 0x03);	/* DTR, RTS */
}

void uart_putc(char c)
{
	while (!(inb(COM1 + LSR) & LSR_THRE))
		;
	outb(COM1 + RBR, (uint8_t)c);
}

/* The next received byte, or -1 if none is waiting. */
int uart_getc(void)
{
	return inb(COM1 + LSR) & LSR_DR ? inb(COM1 + RBR) : -1;
}

void uart_enable_rx(irq_handler_t fn)
{
	outb(COM1 + IER, 0x01);	/* interrupt when a byte arrives */
	outb(COM1 + MCR, 0x0b);	/* OUT2: lets the UART's interrupt reach the PIC */
	irq_register(IRQ_COM1, fn);
}
