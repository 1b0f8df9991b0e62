#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/enqcmd_decode.h"

struct trap_frame;

/* traps/gp.c */
void user_gp(struct trap_frame *tf);		/* kills the task unless fixed up */
/* The same for a #GP of an instruction the caller decoded as ENQCMD. */
void enqcmd_gp(struct trap_frame *tf);
extern bool gp_fixup_then_reschedule;		/* a test hook */
/* traps/enqcmd.c */
int fetch_user_insn(uint64_t rip, uint8_t *buf);	/* bytes fetchable at rip, up to 15 */
void enqcmd_gprs(const struct trap_frame *tf, uint64_t gpr[16]);
bool enqcmd_emulate(struct trap_frame *tf);	/* a #UD that was an ENQCMD: handled */
/* traps/trap.c: every vector's C entry; the emulation raises the
 * exceptions of the instruction it performs through it. */
void trap_dispatch(struct trap_frame *tf);
