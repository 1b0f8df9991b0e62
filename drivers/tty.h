#pragma once
#include <stddef.h>
void tty_init(void);
long tty_read(char *ubuf, size_t n);	/* blocks for a line; copies to user memory */
