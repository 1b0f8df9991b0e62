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

/* argv and envp copied in from user memory (execve, kestrel_spawn). */
struct exec_args {
	char *buf;
	char **argv, **envp;
};
long exec_args_copy(struct exec_args *a, char *const *uargv, char *const *uenvp);
void exec_args_free(struct exec_args *a);
