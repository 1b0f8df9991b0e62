#pragma once
#include <stdint.h>
#define HZ 1000
void timer_init(void);
uint64_t timer_ticks(void);
