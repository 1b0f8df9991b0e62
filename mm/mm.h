/* The address map: where user space ends and the kernel's areas begin. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USER_TOP	0x0000800000000000ul	/* first non-canonical address */
#define MMAP_MIN_ADDR	0x10000ul	/* no user page below: Linux's default vm.mmap_min_addr */
#define KSTACK_AREA	0xffffff0000000000ul	/* PML4 slot 510: kernel stacks */
#define KSTACK_PAGES	4			/* 16 KiB, plus one guard page */
