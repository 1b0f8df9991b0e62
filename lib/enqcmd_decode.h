/*
 * Recognise and decode an ENQCMD instruction (64-bit mode) from the bytes
 * at a faulting user RIP.
 *
 * Intel SDM vol. 2A, ENQCMD:  F2 0F 38 F8 !(11):rrr:bbb  ENQCMD r64, m512
 * (r32 with a 67h prefix).  ModRM.reg names the register holding the
 * DESTINATION address, the device portal (always in ES, whose base is 0 in
 * 64-bit mode).  The ModRM r/m memory operand is the 64-byte SOURCE
 * command.  The same opcode with F3 is ENQCMDS and with 66 is MOVDIR64B.
 *
 * Registers are numbered as in the encoding (SDM vol. 2A, Table 2-2, with
 * the REX bit on top as in 2.2.1.2): 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp,
 * 5 rbp, 6 rsi, 7 rdi, 8-15 r8-r15.
 * Callers map their trap frame into that order.
 *
 * Freestanding: no libc, so the same file builds into the kernel and into
 * the host test tests/test_enqcmd_decode.c.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* SDM vol. 3A, "Interrupt 13 - #GP": longer instructions fault. */
#define ENQCMD_MAX_LEN	15

#define ENQCMD_NO_REG	(-1)	/* base or index absent */
#define ENQCMD_RIP	16	/* base is RIP (or EIP with 67h) */

enum enqcmd_status {
	ENQCMD_DECODED = 0,	/* *out describes an ENQCMD */
	ENQCMD_NOT,		/* some other instruction */
	ENQCMD_TRUNCATED,	/* could be ENQCMD: fetch more bytes, retry */
	ENQCMD_INVALID,		/* ENQCMD opcode the CPU rejects (#UD/#GP) */
};

/* Segment override on the source operand (the destination is always ES). */
enum enqcmd_seg {
	ENQCMD_SEG_NONE,
	ENQCMD_SEG_FS,
	ENQCMD_SEG_GS,
	ENQCMD_SEG_OTHER,	/* CS, SS, DS or ES: base 0 in 64-bit mode */
};

struct enqcmd_insn {
	uint8_t length;		/* bytes, prefixes included */
	uint8_t dest;		/* register holding the destination address */
	uint8_t addr_size;	/* 64, or 32 with 67h: also the dest width */
	uint8_t disp_bytes;	/* how the displacement was encoded: 0, 1, 4 */
	enum enqcmd_seg seg;
	int8_t base;		/* 0-15, ENQCMD_RIP or ENQCMD_NO_REG */
	int8_t index;		/* 0-15 or ENQCMD_NO_REG */
	uint8_t scale;		/* 1, 2, 4 or 8; 1 when there is no index */
	int64_t disp;		/* sign-extended */
};

/*
 * Decode bytes[0..len); len may be less than ENQCMD_MAX_LEN when the page
 * ends.  *out is filled only when ENQCMD_DECODED is returned.
 */
enum enqcmd_status enqcmd_decode(const uint8_t *bytes, size_t len,
				 struct enqcmd_insn *out);

/*
 * Linear address of the 64-byte source.  rip is the address of the
 * instruction's first byte; gpr[] is in encoding order (see above).
 */
uint64_t enqcmd_src_addr(const struct enqcmd_insn *in, const uint64_t gpr[16],
			 uint64_t rip, uint64_t fs_base, uint64_t gs_base);

/* Linear address of the destination portal (the CPU #GPs unless 64-aligned). */
uint64_t enqcmd_dst_addr(const struct enqcmd_insn *in, const uint64_t gpr[16]);
