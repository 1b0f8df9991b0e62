/*
 * A real static musl executable for tests/test_elf.c to parse.  The
 * thread-local counter gives the binary a PT_TLS segment, which musl's
 * start-up code finds through AT_PHDR.
 */
#include <stdio.h>

__thread int calls = 1;	/* not static, so it cannot be folded away */

int main(void)
{
	printf("hello from musl (%d)\n", calls++);
	return 0;
}
