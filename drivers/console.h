/* The console: COM1 output (drivers/console.c). */
#pragma once
#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t n);

