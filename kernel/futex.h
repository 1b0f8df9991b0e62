/* Futexes: sleeping on a user word (kernel/futex.c). */
#pragma once
#include <stdint.h>

struct process;

long futex_wait(struct process *p, uint64_t uaddr, uint32_t val, uint64_t timeout_ticks);
int futex_wake_addr(struct process *p, uint64_t uaddr, int n);
long futex_requeue(struct process *p, uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2,
		   const uint32_t *expect);
