#pragma once
#include <stdbool.h>
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
bool pic_spurious(unsigned irq);

/* Interrupt handlers for hardware lines (IRQ 0-15). */
struct trap_frame;
typedef void (*irq_handler_t)(struct trap_frame *tf);
void irq_register(unsigned irq, irq_handler_t fn);
void irq_dispatch(struct trap_frame *tf);
