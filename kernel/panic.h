/* Kernel bugs: panic with registers and a symbolized backtrace (kernel/panic.c). */
#pragma once
#include <stdint.h>

struct trap_frame;
__attribute__((noreturn, format(printf, 2, 3)))
void panic_frame(const struct trap_frame *tf, const char *fmt, ...);
#define panic(...) panic_frame(NULL, __VA_ARGS__)
#define BUG_ON(cond) do { if (cond) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
void backtrace_from(uint64_t rbp);

