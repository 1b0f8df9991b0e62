/* Host tests print KTAP too (tools/ktest.py reads it), through the one
 * emitter, lib/ktap.h, writing to standard output. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include "lib/ktap.h"

static void host_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
}

static const struct ktap_out host_out = { .write = host_write, .indent = 0 };

/* A "# ..." diagnostic line, before the result it explains. */
__attribute__((format(printf, 1, 2), unused))
static void diag(const char *fmt, ...)
{
	char text[KTAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ktap_emit_diag(&host_out, text);
}

__attribute__((unused))
static void host_plan(unsigned long n)
{
	ktap_emit_plan(&host_out, NULL, n);
}

/* Case n's result line; skip, if not NULL, is the reason it did not run. */
__attribute__((unused))
static void host_result(bool ok, unsigned long n, const char *name, const char *skip)
{
	if (skip)
		ktap_emit_skip(&host_out, n, name, skip);
	else
		ktap_emit_result(&host_out, ok, n, name, NULL);
}
