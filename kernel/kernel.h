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

#include "lib/string.h"
#include "lib/printf.h"
#include "drivers/console.h"
#include "kernel/panic.h"
