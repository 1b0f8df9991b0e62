/* The console: kprintf and the bytes under it (drivers/console.c). */
#pragma once
#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t n);
void console_write_line(const char *s, size_t n); /* after a newline if needed */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
