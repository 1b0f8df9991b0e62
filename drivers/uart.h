/* COM1, the 16550 UART (drivers/uart.c): the console's output, the tty's input. */
#pragma once
#include "drivers/pic.h"

void uart_init(void);
void uart_putc(char c);			/* polled: safe in a panic */
int uart_getc(void);			/* a received byte, or -1 */
void uart_enable_rx(irq_handler_t fn);	/* fn runs on each receive interrupt */
