/* Loading a boot-module program into a fresh process (kernel/exec.c). */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct process;

struct program { const char *name; const void *image; size_t size; };
const struct program *program_find(const char *name);
const struct program *program_at(int i);		/* NULL past the last */
long exec_load(struct process *p, const struct program *prog, char *const argv[],
	       char *const envp[], uint64_t *entry, uint64_t *sp);

