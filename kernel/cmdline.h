/*
 * The kernel command line, "key=value key2 flag", parsed once at boot.
 * Options are read by the code that owns them: ktest=, xsave=, init=, ...
 */
#pragma once
#include <stdbool.h>

int cmdline_parse(const char *line);		/* returns the number of options */
const char *cmdline_get(const char *key);	/* NULL if absent; "" for a bare flag */
bool cmdline_has(const char *key);
bool cmdline_list_has(const char *key, const char *item); /* key=a,b,c */
bool list_has(const char *list, const char *item);	/* "a,b,c" has "b" */
