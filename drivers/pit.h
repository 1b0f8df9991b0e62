/* The 8254 PIT, channel 0: the timer interrupt (drivers/pit.c). */
#pragma once

void pit_init(void);
