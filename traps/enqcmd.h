/* ENQCMD, emulated on #UD (traps/enqcmd.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

int fetch_user_insn(uint64_t rip, uint8_t *buf);	/* bytes fetchable at rip, up to 15 */
void enqcmd_gprs(const struct trap_frame *tf, uint64_t gpr[16]);
bool enqcmd_emulate(struct trap_frame *tf);	/* a #UD that was an ENQCMD: handled */
