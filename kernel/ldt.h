/* A process's LDT, from modify_ldt (kernel/ldt.c). */
#pragma once

struct process;

void ldt_load(const struct process *p); /* at a switch; NULL: no LDT */
int ldt_copy(struct process *child, const struct process *parent);
void ldt_free(struct process *p);
