/* The one way back to user mode (kernel/entry.c). */
#pragma once

struct trap_frame;

/* The work every return to user mode does first; returns with interrupts off. */
void exit_to_user_mode(struct trap_frame *tf);
