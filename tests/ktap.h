/* Host tests print KTAP too (tools/ktest.py reads it): the shared bits. */
#pragma once
#include <stdarg.h>
#include <stdio.h>

/* A "# ..." diagnostic line, before the result it explains. */
__attribute__((format(printf, 1, 2)))
static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputs("\n", stdout);
	va_end(ap);
}
