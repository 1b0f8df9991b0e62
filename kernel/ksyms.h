/* The kernel's symbol table, for backtraces (kernel/ksyms.c). */
#pragma once
#include <stdint.h>

const char *ksym_lookup(uint64_t addr, uint64_t *offset);

