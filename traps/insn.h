#pragma once
#include <stddef.h>
#include <stdint.h>
#include "enqcmd_decode.h"

struct trap_frame;

/* traps/gp.c */
void user_gp(struct trap_frame *tf);		/* kills the task unless fixed up */
extern bool gp_fixup_then_reschedule;		/* a test hook */
/* traps/enqcmd.c */
int fetch_user_insn(uint64_t rip, uint8_t *buf);	/* bytes readable at rip, up to 15 */
void enqcmd_gprs(const struct trap_frame *tf, uint64_t gpr[16]);
bool enqcmd_emulate(struct trap_frame *tf);	/* a #UD that was an ENQCMD: handled */
