/* The console: kprintf and the bytes under it (drivers/console.c). */
#pragma once
#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
