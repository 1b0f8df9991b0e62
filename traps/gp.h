/* The #GP handler for user mode, and the ENQCMD PASID fix-up (traps/gp.c). */
#pragma once
#include <stdbool.h>

struct trap_frame;

void user_gp(struct trap_frame *tf); /* SIGSEGV unless fixed up */
/* The same for a #GP of an instruction the caller decoded as ENQCMD. */
void enqcmd_gp(struct trap_frame *tf);
#ifdef KESTREL_TEST
extern bool gp_fixup_then_reschedule;		/* a test hook, in the test kernel only */
#endif
