/* The GDT and the TSS (cpu/gdt.c): segments, the IST stacks, RSP0. */
#pragma once
#include <stdint.h>

void gdt_init(void);
void tss_set_rsp0(uint64_t rsp0);
void gdt_load_ldt(const void *ldt, unsigned entries); /* 0 entries: no LDT */
