/* Kernel bugs: panic with registers and a symbolized backtrace (kernel/panic.c). */
#pragma once
#include <stdint.h>

struct trap_frame;
__attribute__((noreturn, format(printf, 2, 3)))
void panic_frame(const struct trap_frame *tf, const char *fmt, ...);
#define panic(...) panic_frame(NULL, __VA_ARGS__)
#define BUG_ON(cond) do { if (cond) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
void backtrace_from(uint64_t rbp);

/*
 * The stubs in a student tree (docs/labs/README.md): code a lab asks for,
 * not written yet.  LAB_TODO says so once per place on the console and
 * goes on; lab_todo_panic is for a stub that cannot go on (switch_to).
 */
void lab_todo(const char *what);
__attribute__((noreturn)) void lab_todo_panic(const char *what);
#define LAB_TODO(what)                  \
	do {                            \
		static int said_;       \
		if (!said_++)           \
			lab_todo(what); \
	} while (0)
