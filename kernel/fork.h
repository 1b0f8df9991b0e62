/* New processes from old ones: fork, vfork, clone, execve (kernel/fork.c, kernel/sys_exec.c). */
#pragma once
#include <stdint.h>

struct trap_frame;

long process_fork(struct trap_frame *tf, uint64_t flags, uint64_t stack);
