/* Protection keys of a process (kernel/sys_pkey.c). */
#pragma once
#include <stdint.h>

struct process;

int pkey_of(struct process *p, uint64_t va);

