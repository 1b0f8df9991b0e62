/* The arch half of a context switch (kernel/switch.c), then the stack switch (cpu/switch.asm). */
#pragma once

struct task;

void switch_arch(struct task *prev, struct task *next);	/* Linux's __switch_to */
struct task *switch_to(struct task *prev, struct task *next);	/* returns prev, on next's side */
void task_first_entry(void);					/* a new task's first "return" */
