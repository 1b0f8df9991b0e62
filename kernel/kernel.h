/* What every kernel file needs: printing, panicking, and a few helpers. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KERNEL_VMA	0xffffffff80000000ul
#define PHYS_BASE	0xffff800000000000ul	/* direct map of all physical memory */
#define PAGE_SIZE	4096ul

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

static inline void *phys_to_virt(uint64_t pa) { return (void *)(pa + PHYS_BASE); }
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PHYS_BASE;
}

/* lib/printf.c */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* drivers/console.c */
void console_init(void);
void console_write(const char *s, size_t n);

/* kernel/panic.c */
struct trap_frame;
__attribute__((noreturn, format(printf, 2, 3)))
void panic_frame(const struct trap_frame *tf, const char *fmt, ...);
#define panic(...) panic_frame(NULL, __VA_ARGS__)
#define BUG_ON(cond) do { if (cond) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
void backtrace_from(uint64_t rbp);

/* kernel/exit.c: leave the emulator with a status the harness reads. */
enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_PANIC = 2 };
__attribute__((noreturn)) void kexit(int code);

/* kernel/ksyms.c */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

/* lib/string.c: the compiler may emit calls to these four. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
