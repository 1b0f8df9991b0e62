/* The kernel's C entry point, from boot/entry.asm. */
#pragma once
#include <stdint.h>

/* magic and info_phys: what GRUB left in EAX and EBX (multiboot2 spec 3.3). */
__attribute__((noreturn)) void kmain(uint32_t magic, uint64_t info_phys);

/* boot/entry.asm: the TSC at the kernel's first instruction. */
extern uint64_t boot_tsc;
