#include "kernel/kernel.h"
#include "kernel/cmdline.h"
#include "lib/string.h"
#include "lib/printf.h"

#define MAX_OPTIONS 32
#define MAX_LINE 1024

static char line_copy[MAX_LINE];
static struct { const char *key, *value; } options[MAX_OPTIONS];
static int noptions;

int cmdline_parse(const char *line)
{
	size_t n = strlen(line);
	if (n >= MAX_LINE) {
		kprintf("cmdline: longer than %d bytes, truncated\n", MAX_LINE - 1);
		n = MAX_LINE - 1;
	}
	memcpy(line_copy, line, n);
	line_copy[n] = '\0';
	noptions = 0;

	char *p = line_copy;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (noptions == MAX_OPTIONS) {
			kprintf("cmdline: more than %d options, ignoring the rest\n", MAX_OPTIONS);
			break;
		}
		options[noptions].key = p;
		options[noptions].value = "";
		while (*p && *p != ' ' && *p != '\t' && *p != '=')
			p++;
		if (*p == '=') {
			*p++ = '\0';
			options[noptions].value = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
		}
		noptions++;
	}
	return noptions;
}

/* The last occurrence wins, so an appended option overrides a default. */
const char *cmdline_get(const char *key)
{
	for (int i = noptions - 1; i >= 0; i--)
		if (strcmp(options[i].key, key) == 0)
			return options[i].value;
	return NULL;
}

bool cmdline_has(const char *key)
{
	return cmdline_get(key) != NULL;
}

bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	while (list && *list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);
		if (len == n && strncmp(list, item, n) == 0)
			return true;
		list = comma ? comma + 1 : NULL;
	}
	return false;
}

bool cmdline_list_has(const char *key, const char *item)
{
	return list_has(cmdline_get(key), item);
}
