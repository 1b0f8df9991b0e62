/* Protection keys of a process (kernel/sys_pkey.c). */
#pragma once
#include <stdint.h>

struct process;

/* mprotect and pkey_mprotect (kernel/sys_mm.c); pkey -1: keep each page's. */
long do_mprotect_pkey(struct process *p, uint64_t addr, uint64_t len, uint64_t prot, int pkey);

int pkey_of(struct process *p, uint64_t va);

