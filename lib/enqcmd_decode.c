/*
 * ENQCMD decoder.  See enqcmd_decode.h for the contract.
 *
 * Section numbers are from the Intel SDM vol. 2A, chapter 2 ("Instruction
 * Format") unless noted.  The bytes come from user memory: the decoder
 * never reads past len, nor past the 15-byte limit.
 *
 * Where the SDM leaves a prefix combination undefined, we do what GNU
 * binutils (objdump) does, and the test checks every case against it.
 */
#include "lib/enqcmd_decode.h"

#include <stdbool.h>

#define REX_B	0x1	/* extends ModRM.rm and SIB.base */
#define REX_X	0x2	/* extends SIB.index */
#define REX_R	0x4	/* extends ModRM.reg */

struct prefixes {
	bool lock;		/* F0 */
	bool addr32;		/* 67 */
	uint8_t rep;		/* last of F2/F3, or 0 */
	enum enqcmd_seg seg;	/* last segment override */
	uint8_t rex;		/* REX immediately before the opcode, or 0 */
};

/*
 * Record a legacy prefix (section 2.1.1, which allows them in any order);
 * false if c is not one.  With two prefixes from one group, the last one
 * counts.  66h is accepted and ignored: with F2 present it is not a
 * mandatory prefix, and ENQCMD's register width follows the address size,
 * not the operand size.
 */
static bool legacy_prefix(uint8_t c, struct prefixes *p)
{
	switch (c) {
	case 0xf0:
		p->lock = true;
		return true;
	case 0xf2:
	case 0xf3:
		p->rep = c;
		return true;
	case 0x64:
		p->seg = ENQCMD_SEG_FS;
		return true;
	case 0x65:
		p->seg = ENQCMD_SEG_GS;
		return true;
	case 0x26:	/* ES */
	case 0x2e:	/* CS */
	case 0x36:	/* SS */
	case 0x3e:	/* DS */
		p->seg = ENQCMD_SEG_OTHER;
		return true;
	case 0x66:
		return true;
	case 0x67:
		p->addr32 = true;
		return true;
	}
	return false;
}

/*
 * May we read n bytes at pos?  Past 15 bytes the CPU raises #GP whatever
 * follows, so that is INVALID; past len the caller must fetch more.
 */
static enum enqcmd_status need(size_t pos, size_t n, size_t len)
{
	if (pos + n > ENQCMD_MAX_LEN)
		return ENQCMD_INVALID;
	if (pos + n > len)
		return ENQCMD_TRUNCATED;
	return ENQCMD_DECODED;
}

enum enqcmd_status enqcmd_decode(const uint8_t *b, size_t len,
				 struct enqcmd_insn *out)
{
	static const uint8_t opcode[3] = { 0x0f, 0x38, 0xf8 };
	struct prefixes p = { 0 };
	struct enqcmd_insn in;
	enum enqcmd_status st;
	uint8_t mod, reg, rm;
	size_t pos;

	/*
	 * Section 2.2.1: REX counts only if it immediately precedes the
	 * opcode; a REX followed by anything else (a legacy prefix, another
	 * REX) is ignored, though its byte still counts towards the length.
	 */
	for (pos = 0;; pos++) {
		if ((st = need(pos, 1, len)))
			return st;
		if ((b[pos] & 0xf0) == 0x40) {
			p.rex = b[pos];
		} else if (legacy_prefix(b[pos], &p)) {
			p.rex = 0;
		} else {
			break;
		}
	}

	for (int i = 0; i < 3; i++, pos++) {
		if ((st = need(pos, 1, len)))
			return st;
		if (b[pos] != opcode[i])
			return ENQCMD_NOT;
	}
	/* 0F 38 F8 is MOVDIR64B with 66, ENQCMDS with F3, #UD with none. */
	if (p.rep != 0xf2)
		return ENQCMD_NOT;
	/* vol. 2A, LOCK: #UD with any instruction not listed there. */
	if (p.lock)
		return ENQCMD_INVALID;

	/* ModRM, section 2.1.5, Table 2-2. */
	if ((st = need(pos, 1, len)))
		return st;
	mod = b[pos] >> 6;
	reg = (b[pos] >> 3) & 7;
	rm = b[pos] & 7;
	pos++;
	if (mod == 3)		/* "!(11)": the source must be memory */
		return ENQCMD_INVALID;

	in.dest = reg | (p.rex & REX_R ? 8 : 0);
	in.addr_size = p.addr32 ? 32 : 64;
	in.seg = p.seg;
	in.base = rm | (p.rex & REX_B ? 8 : 0);
	in.index = ENQCMD_NO_REG;
	in.scale = 1;
	in.disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	/*
	 * Table 2-5: rm = 100 means a SIB byte follows and mod = 00, rm = 101
	 * means RIP + disp32 (section 2.2.1.6), whatever REX.B says.
	 */
	if (rm == 4) {
		uint8_t sib, index;

		if ((st = need(pos, 1, len)))
			return st;
		sib = b[pos++];
		index = ((sib >> 3) & 7) | (p.rex & REX_X ? 8 : 0);
		in.base = (sib & 7) | (p.rex & REX_B ? 8 : 0);
		/* Index 100 is "none", but with REX.X it is r12. */
		if (index != 4) {
			in.index = index;
			in.scale = 1 << (sib >> 6);
		}
		/* Table 2-3: base 101 with mod 00 is disp32 and no base. */
		if ((sib & 7) == 5 && mod == 0) {
			in.base = ENQCMD_NO_REG;
			in.disp_bytes = 4;
		}
	} else if (rm == 5 && mod == 0) {
		in.base = ENQCMD_RIP;
		in.disp_bytes = 4;
	}

	if ((st = need(pos, in.disp_bytes, len)))
		return st;
	if (in.disp_bytes == 1) {
		in.disp = (int8_t)b[pos];
	} else if (in.disp_bytes == 4) {
		uint32_t d = b[pos] | b[pos + 1] << 8 | b[pos + 2] << 16 |
			     (uint32_t)b[pos + 3] << 24;

		in.disp = (int32_t)d;	/* GCC and Clang define this as mod 2^32 */
	} else {
		in.disp = 0;
	}
	pos += in.disp_bytes;

	in.length = pos;
	*out = in;
	return ENQCMD_DECODED;
}

/*
 * SDM vol. 1, section 3.3.7: in 64-bit mode base + index * scale + disp
 * wraps at 64 bits; with 67h the result is truncated to 32 bits (RIP-
 * relative too).  Section 3.4.2.1: only FS and GS add a base; CS, DS, ES,
 * SS count as 0.
 */
uint64_t enqcmd_src_addr(const struct enqcmd_insn *in, const uint64_t gpr[16],
			 uint64_t rip, uint64_t fs_base, uint64_t gs_base)
{
	uint64_t ea = (uint64_t)in->disp;

	if (in->base == ENQCMD_RIP)
		ea += rip + in->length;	/* relative to the next instruction */
	else if (in->base != ENQCMD_NO_REG)
		ea += gpr[in->base];
	if (in->index != ENQCMD_NO_REG)
		ea += gpr[in->index] * in->scale;
	if (in->addr_size == 32)
		ea = (uint32_t)ea;

	if (in->seg == ENQCMD_SEG_FS)
		ea += fs_base;
	else if (in->seg == ENQCMD_SEG_GS)
		ea += gs_base;
	return ea;
}

/* ES-relative, no override allowed, and ES's base is 0 in 64-bit mode. */
uint64_t enqcmd_dst_addr(const struct enqcmd_insn *in, const uint64_t gpr[16])
{
	uint64_t a = gpr[in->dest];

	return in->addr_size == 32 ? (uint32_t)a : a;
}
