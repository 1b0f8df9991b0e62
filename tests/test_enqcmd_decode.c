/*
 * Host unit test for lib/enqcmd_decode.c.  Prints KTAP version 1
 * (https://docs.kernel.org/dev-tools/ktap.html); exits 0 only if all pass.
 *
 * Each table row is a byte sequence and what GNU objdump 2.40 prints for
 * it.  The test renders every decoded instruction back into objdump's AT&T
 * syntax and compares, so the expected decodings are exactly the ones
 * binutils gives.  To re-check the table against your objdump:
 *
 *   build/host/test_enqcmd_decode --list | while IFS='|' read hex text; do
 *       echo "$hex" | xxd -r -p > /tmp/i.bin
 *       objdump -D -b binary -mi386:x86-64 /tmp/i.bin |
 *           sed -n 8p | cut -f3- | tr -s ' \t' ' '
 *       echo "want: $text"
 *   done
 *
 * Rows written SDM(...) are where binutils disagrees with the SDM; there
 * we follow the SDM, and the comment above them says which rule.  --list
 * leaves them out.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/enqcmd_decode.h"
#include "tests/ktap.h"

struct row {
	const char *hex;
	enum enqcmd_status want;
	const char *objdump;	/* what objdump shows; NULL if it is junk */
	bool differs;		/* objdump disagrees; we follow the SDM */
};

#define OK	ENQCMD_DECODED
#define NOT	ENQCMD_NOT
#define TRUNC	ENQCMD_TRUNCATED
#define BAD	ENQCMD_INVALID
#define ROW(hex, want, text)	{ hex, want, text, false }
#define SDM(hex, want, text)	{ hex, want, text, true }

static const struct row rows[] = {
	/* ModRM mod = 00 */
	ROW("f2 0f 38 f8 00", OK, "enqcmd (%rax),%rax"),
	ROW("f2 0f 38 f8 0b", OK, "enqcmd (%rbx),%rcx"),
	ROW("f2 0f 38 f8 3e", OK, "enqcmd (%rsi),%rdi"),
	ROW("f2 0f 38 f8 05 10 00 00 00", OK, "enqcmd 0x10(%rip),%rax # 0x19"),
	ROW("f2 0f 38 f8 05 f0 ff ff ff", OK, "enqcmd -0x10(%rip),%rax # 0xfffffffffffffff9"),
	/* SIB, mod = 00 */
	ROW("f2 0f 38 f8 04 24", OK, "enqcmd (%rsp),%rax"),
	ROW("f2 0f 38 f8 04 98", OK, "enqcmd (%rax,%rbx,4),%rax"),
	ROW("f2 0f 38 f8 04 20", OK, "enqcmd (%rax,%riz,1),%rax"),
	ROW("f2 0f 38 f8 04 64", OK, "enqcmd (%rsp,%riz,2),%rax"),
	ROW("f2 0f 38 f8 04 25 10 00 00 00", OK, "enqcmd 0x10,%rax"),
	ROW("f2 0f 38 f8 04 25 f0 ff ff ff", OK, "enqcmd 0xfffffffffffffff0,%rax"),
	ROW("f2 0f 38 f8 04 65 10 00 00 00", OK, "enqcmd 0x10(,%riz,2),%rax"),
	ROW("f2 0f 38 f8 04 c5 00 10 00 00", OK, "enqcmd 0x1000(,%rax,8),%rax"),
	ROW("f2 0f 38 f8 0c 8d 00 00 00 80", OK, "enqcmd -0x80000000(,%rcx,4),%rcx"),
	/* mod = 01: disp8 */
	ROW("f2 0f 38 f8 40 00", OK, "enqcmd 0x0(%rax),%rax"),
	ROW("f2 0f 38 f8 45 08", OK, "enqcmd 0x8(%rbp),%rax"),
	ROW("f2 0f 38 f8 64 24 08", OK, "enqcmd 0x8(%rsp),%rsp"),
	ROW("f2 0f 38 f8 44 24 80", OK, "enqcmd -0x80(%rsp),%rax"),
	ROW("f2 0f 38 f8 44 98 f0", OK, "enqcmd -0x10(%rax,%rbx,4),%rax"),
	ROW("f2 0f 38 f8 44 65 08", OK, "enqcmd 0x8(%rbp,%riz,2),%rax"),
	/* mod = 10: disp32 */
	ROW("f2 0f 38 f8 85 00 01 00 00", OK, "enqcmd 0x100(%rbp),%rax"),
	ROW("f2 0f 38 f8 82 ff ff ff 7f", OK, "enqcmd 0x7fffffff(%rdx),%rax"),
	ROW("f2 0f 38 f8 bf 00 00 00 80", OK, "enqcmd -0x80000000(%rdi),%rdi"),
	ROW("f2 0f 38 f8 84 98 00 01 00 00", OK, "enqcmd 0x100(%rax,%rbx,4),%rax"),
	/* REX.R, REX.X, REX.B; REX.W is ignored */
	ROW("f2 40 0f 38 f8 00", OK, "rex enqcmd (%rax),%rax"),
	ROW("f2 44 0f 38 f8 00", OK, "enqcmd (%rax),%r8"),
	ROW("f2 41 0f 38 f8 00", OK, "enqcmd (%r8),%rax"),
	ROW("f2 48 0f 38 f8 00", OK, "rex.W enqcmd (%rax),%rax"),
	ROW("f2 4f 0f 38 f8 00", OK, "rex.WRXB enqcmd (%r8),%r8"),
	ROW("f2 42 0f 38 f8 04 08", OK, "enqcmd (%rax,%r9,1),%rax"),
	ROW("f2 4c 0f 38 f8 3c 24", OK, "rex.WR enqcmd (%rsp),%r15"),
	ROW("f2 41 0f 38 f8 04 24", OK, "enqcmd (%r12),%rax"),
	ROW("f2 42 0f 38 f8 04 24", OK, "enqcmd (%rsp,%r12,1),%rax"),
	ROW("f2 42 0f 38 f8 04 e4", OK, "enqcmd (%rsp,%r12,8),%rax"),
	ROW("f2 47 0f 38 f8 3c fc", OK, "enqcmd (%r12,%r15,8),%r15"),
	ROW("f2 41 0f 38 f8 45 00", OK, "enqcmd 0x0(%r13),%rax"),
	ROW("f2 43 0f 38 f8 44 2d 7f", OK, "enqcmd 0x7f(%r13,%r13,1),%rax"),
	/* REX.B does not turn RIP-relative or "no base" into r13 (Table 2-5) */
	ROW("f2 41 0f 38 f8 05 10 00 00 00", OK, "enqcmd 0x10(%rip),%rax # 0x1a"),
	ROW("f2 41 0f 38 f8 04 25 10 00 00 00", OK, "enqcmd 0x10,%rax"),
	ROW("f2 43 0f 38 f8 04 2d 10 00 00 00", OK, "enqcmd 0x10(,%r13,1),%rax"),
	/*
	 * A REX not right before the opcode is ignored (SDM vol. 2A, 2.2.1),
	 * but its byte is part of the instruction.  objdump instead prints it
	 * as a separate "rex.W" line, and calls REX REX "(bad)".
	 */
	SDM("48 f2 0f 38 f8 00", OK, "enqcmd (%rax),%rax"),
	SDM("45 67 f2 0f 38 f8 00", OK, "enqcmd (%eax),%eax"),
	SDM("4c f2 41 0f 38 f8 00", OK, "enqcmd (%r8),%rax"),
	SDM("f2 44 48 0f 38 f8 00", OK, "enqcmd (%rax),%rax"),
	/* 67h: 32-bit addressing, and a 32-bit destination register */
	ROW("67 f2 0f 38 f8 00", OK, "enqcmd (%eax),%eax"),
	ROW("67 f2 0f 38 f8 08", OK, "enqcmd (%eax),%ecx"),
	ROW("67 f2 45 0f 38 f8 04 24", OK, "enqcmd (%r12d),%r8d"),
	ROW("67 f2 0f 38 f8 05 10 00 00 00", OK, "enqcmd 0x10(%eip),%eax # 0x1a"),
	ROW("67 f2 0f 38 f8 05 f0 ff ff ff", OK, "enqcmd -0x10(%eip),%eax # 0xfffffffffffffffa"),
	ROW("67 f2 0f 38 f8 04 25 ff ff ff ff", OK, "enqcmd 0xffffffff(,%eiz,1),%eax"),
	ROW("67 f2 0f 38 f8 04 05 f0 ff ff ff", OK, "enqcmd -0x10(,%eax,1),%eax"),
	ROW("67 f2 0f 38 f8 44 24 80", OK, "enqcmd -0x80(%esp),%eax"),
	ROW("67 f2 0f 38 f8 80 00 00 00 80", OK, "enqcmd -0x80000000(%eax),%eax"),
	/* segment overrides: FS and GS have bases, the others do not */
	ROW("64 f2 0f 38 f8 00", OK, "enqcmd %fs:(%rax),%rax"),
	ROW("65 f2 0f 38 f8 00", OK, "enqcmd %gs:(%rax),%rax"),
	ROW("f2 65 0f 38 f8 00", OK, "enqcmd %gs:(%rax),%rax"),
	ROW("64 65 f2 0f 38 f8 00", OK, "fs enqcmd %gs:(%rax),%rax"),
	ROW("64 f2 0f 38 f8 05 00 00 00 00", OK, "enqcmd %fs:0x0(%rip),%rax # 0xa"),
	ROW("67 65 f2 0f 38 f8 04 e5 00 00 00 00", OK, "enqcmd %gs:0x0(,%eiz,8),%eax"),
	ROW("2e f2 0f 38 f8 00", OK, "cs enqcmd (%rax),%rax"),
	ROW("36 f2 0f 38 f8 00", OK, "ss enqcmd (%rax),%rax"),
	ROW("3e f2 0f 38 f8 00", OK, "ds enqcmd (%rax),%rax"),
	ROW("26 f2 0f 38 f8 00", OK, "es enqcmd (%rax),%rax"),
	/* 66h, and repeated F2/F3: the last of F2/F3 picks the instruction */
	ROW("66 f2 0f 38 f8 00", OK, "data16 enqcmd (%rax),%rax"),
	ROW("f2 66 0f 38 f8 00", OK, "data16 enqcmd (%rax),%rax"),
	ROW("f3 f2 0f 38 f8 00", OK, "repz enqcmd (%rax),%rax"),
	ROW("f2 f2 0f 38 f8 00", OK, "repnz enqcmd (%rax),%rax"),
	ROW("67 66 64 f2 4a 0f 38 f8 b4 d1 78 56 34 12", OK,
	  "data16 rex.WX enqcmd %fs:0x12345678(%ecx,%r10d,8),%esi"),
	/* exactly 15 bytes */
	ROW("26 2e 36 3e 26 2e 36 3e 26 2e f2 0f 38 f8 00", OK,
	  "es cs ss ds es cs ss ds es cs enqcmd (%rax),%rax"),
	ROW("66 66 64 67 f2 4b 0f 38 f8 84 a4 78 56 34 12", OK,
	  "data16 data16 rex.WXB enqcmd %fs:0x12345678(%r12d,%r12d,4),%eax"),

	/* Same opcode, other instructions. */
	ROW("f3 0f 38 f8 00", NOT, "enqcmds (%rax),%rax"),
	ROW("66 0f 38 f8 00", NOT, "movdir64b (%rax),%rax"),
	ROW("f2 f3 0f 38 f8 00", NOT, "repnz enqcmds (%rax),%rax"),
	ROW("0f 38 f8 00", NOT, NULL),
	/* Not even close. */
	ROW("90", NOT, "nop"),
	ROW("66 90", NOT, "xchg %ax,%ax"),
	ROW("48 90", NOT, "rex.W nop"),
	ROW("0f 1f 44 00 00", NOT, "nopl 0x0(%rax,%rax,1)"),
	ROW("f2 c3", NOT, "bnd ret"),
	ROW("f2 0f 38 f9 00", NOT, NULL),
	ROW("f2 0f 3a f8 00", NOT, NULL),
	ROW("f2 0f 39", NOT, NULL),
	ROW("c4 e2 79 f8 00", NOT, NULL),	/* VEX, not a prefix */

	/* ENQCMD's opcode, but the CPU refuses it. */
	ROW("f2 0f 38 f8 c0", BAD, NULL),	/* mod = 11: no register source */
	ROW("f2 0f 38 f8 ff", BAD, NULL),
	ROW("f2 4d 0f 38 f8 ff", BAD, NULL),
	/* LOCK is #UD (vol. 2A, LOCK); objdump prints "lock enqcmd". */
	ROW("f0 f2 0f 38 f8 00", BAD, NULL),
	ROW("f2 f0 0f 38 f8 00", BAD, NULL),
	/* 16 bytes: #GP (vol. 3A, Interrupt 13) */
	ROW("26 2e 36 3e 26 2e 36 3e 26 2e 36 f2 0f 38 f8 00", BAD, NULL),
	ROW("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", BAD, NULL),
	ROW("66 66 66 66 66 66 66 66 66 66 f2 0f 38 f8 84 98 00 01 00 00", BAD, NULL),
	/* the length limit is found even before all the bytes are there */
	ROW("66 66 66 66 66 66 66 66 66 66 f2 0f 38 f8 84", BAD, NULL),

	/* Could still be ENQCMD: fetch more. */
	ROW("", TRUNC, NULL),
	ROW("f2", TRUNC, NULL),
	ROW("66 66 66 66 66 66 66 66 66 66 66 66 66 66", TRUNC, NULL),
	ROW("f2 0f 38 f8", TRUNC, NULL),
	ROW("67 f2 45 0f 38 f8 04", TRUNC, NULL),
	ROW("f2 0f 38 f8 84 98 00 01 00", TRUNC, NULL),
};

static int test_no;
static int failed;


static void result(bool ok, const char *fmt, ...)
{
	char name[KTAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	host_result(ok, (unsigned long)++test_no, name, NULL);
	failed += !ok;
}

static size_t parse_hex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		sscanf(hex, "%2hhx", &out[n++]);
		hex += 2;
	}
	return n;
}

static const char *reg_name(int r, int addr_size)
{
	static const char *const r64[16] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	static const char *const r32[16] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
		"r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
	};

	return addr_size == 32 ? r32[r] : r64[r];
}

static char *sdisp(char *p, int64_t d)
{
	if (d < 0)
		return p + sprintf(p, "-0x%llx", -(unsigned long long)d);
	return p + sprintf(p, "0x%llx", (unsigned long long)d);
}

/*
 * The decoded instruction in objdump's AT&T syntax, minus the parts that
 * carry no information: prefix names objdump prints for prefixes it
 * considers unused, %riz/%eiz ("no index"), and the # target comment.
 */
static void render(const struct enqcmd_insn *in, char *buf)
{
	char *p = buf + sprintf(buf, "enqcmd ");
	int as = in->addr_size;

	if (in->seg == ENQCMD_SEG_FS)
		p += sprintf(p, "%%fs:");
	if (in->seg == ENQCMD_SEG_GS)
		p += sprintf(p, "%%gs:");
	if (in->base == ENQCMD_RIP) {
		p = sdisp(p, in->disp);
		p += sprintf(p, "(%%%s)", as == 32 ? "eip" : "rip");
	} else if (in->base == ENQCMD_NO_REG && in->index == ENQCMD_NO_REG) {
		/* An absolute address: objdump shows it unsigned. */
		p += sprintf(p, "0x%llx", as == 32 ? (unsigned long long)(uint32_t)in->disp
						    : (unsigned long long)in->disp);
	} else {
		if (in->disp_bytes)
			p = sdisp(p, in->disp);
		*p++ = '(';
		if (in->base != ENQCMD_NO_REG)
			p += sprintf(p, "%%%s", reg_name(in->base, as));
		if (in->index != ENQCMD_NO_REG)
			p += sprintf(p, ",%%%s,%d", reg_name(in->index, as), in->scale);
		*p++ = ')';
	}
	sprintf(p, ",%%%s", reg_name(in->dest, as));
}

/* objdump's text reduced to what render() produces. */
static void canonical(const char *objdump, char *buf)
{
	const char *s = strstr(objdump, "enqcmd ");
	char *z;

	strcpy(buf, s ? s : objdump);
	if ((z = strstr(buf, " #")))
		*z = '\0';
	while ((z = strstr(buf, ",%riz,")) || (z = strstr(buf, ",%eiz,")))
		memmove(z, z + 7, strlen(z + 7) + 1);	/* ",%riz,N" */
	if ((z = strstr(buf, "()")))
		memmove(z, z + 2, strlen(z + 2) + 1);
}

static const char *status_name(enum enqcmd_status s)
{
	static const char *const names[] = { "DECODED", "NOT", "TRUNCATED", "INVALID" };

	return (unsigned)s < 4 ? names[s] : "?";
}

/* Field by field: memcmp would also compare the padding. */
static bool same(const struct enqcmd_insn *a, const struct enqcmd_insn *b)
{
	return a->length == b->length && a->dest == b->dest &&
	       a->addr_size == b->addr_size && a->disp_bytes == b->disp_bytes &&
	       a->seg == b->seg && a->base == b->base && a->index == b->index &&
	       a->scale == b->scale && a->disp == b->disp;
}

/* Decode one row, every truncation of it, and it with junk after it. */
static void check_row(const struct row *r)
{
	uint8_t b[32], padded[ENQCMD_MAX_LEN];
	struct enqcmd_insn in, again;
	char got[128], want[128];
	size_t n = parse_hex(r->hex, b);
	enum enqcmd_status st = enqcmd_decode(b, n, &in);
	bool ok = st == r->want;

	if (ok && st == ENQCMD_DECODED) {
		render(&in, got);
		canonical(r->objdump, want);
		if (in.length != n || strcmp(got, want)) {
			diag("decoded %d bytes as \"%s\"; want \"%s\"", in.length, got, want);
			ok = false;
		}
		for (size_t len = 0; ok && len < n; len++) {
			if (enqcmd_decode(b, len, &again) != ENQCMD_TRUNCATED) {
				diag("first %zu bytes not reported as truncated", len);
				ok = false;
			}
		}
		memset(padded, 0xcc, sizeof padded);
		memcpy(padded, b, n);
		if (ok && (enqcmd_decode(padded, sizeof padded, &again) != st ||
			   !same(&again, &in))) {
			diag("trailing bytes changed the decoding");
			ok = false;
		}
	} else if (!ok) {
		diag("got %s, want %s", status_name(st), status_name(r->want));
	}
	result(ok, "%s [%s]", status_name(r->want), r->hex);
}

/* Independent length rule (Tables 2-2, 2-3) over every ModRM, SIB and REX. */
static void check_all_lengths(void)
{
	bool ok = true;

	for (int a32 = 0; a32 < 2; a32++)
	for (int rex = 0x40; rex < 0x50; rex++)
	for (int modrm = 0; modrm < 256; modrm++)
	for (int sib = 0; sib < 256; sib++) {
		uint8_t b[16] = { 0x67, 0xf2, rex, 0x0f, 0x38, 0xf8, modrm, sib,
				  0x11, 0x22, 0x33, 0x44, 0x55 };
		const uint8_t *start = a32 ? b : b + 1;
		int mod = modrm >> 6, rm = modrm & 7, want = 6 + a32;
		struct enqcmd_insn in;
		enum enqcmd_status st = enqcmd_decode(start, 13 - !a32, &in);

		if (mod == 3) {
			ok &= st == ENQCMD_INVALID;
			continue;
		}
		want += rm == 4;
		want += mod == 1 ? 1 : mod == 2 ? 4 :
			rm == 5 || (rm == 4 && (sib & 7) == 5) ? 4 : 0;
		if (st != ENQCMD_DECODED || in.length != want ||
		    in.addr_size != (a32 ? 32 : 64) ||
		    in.dest != (((modrm >> 3) & 7) | (rex & 4 ? 8 : 0))) {
			diag("67:%d rex %02x modrm %02x sib %02x: status %d length %d, want %d",
			     a32, rex, modrm, sib, st, in.length, want);
			ok = false;
			goto out;
		}
	}
out:
	result(ok, "lengths for every ModRM, SIB and REX");
}

static bool decode_hex(const char *hex, struct enqcmd_insn *in)
{
	uint8_t b[32];

	return enqcmd_decode(b, parse_hex(hex, b), in) == ENQCMD_DECODED;
}

/* Effective addresses (SDM vol. 1, 3.3.7) for a few representative forms. */
static void check_addresses(void)
{
	static const struct {
		const char *hex, *what;
		uint64_t rip, src, dst;
	} cases[] = {
		/* 0x100(%rax,%rbx,4),%rax */
		{ "f2 0f 38 f8 84 98 00 01 00 00", "base+index*4+disp32",
		  0x401000, 0x1000 + 4 * 0x4000 + 0x100, 0x1000 },
		/* -0x10(%rip): relative to the end of the 9-byte instruction */
		{ "f2 0f 38 f8 05 f0 ff ff ff", "rip-relative",
		  0x401000, 0x401009 - 0x10, 0x1000 },
		/* 0x10(%eip): EIP-relative wraps at 4 GiB */
		{ "67 f2 0f 38 f8 05 10 00 00 00", "eip-relative wraps",
		  0xfffffff0, 0x0a, 0x1000 },
		/* -0x80(%ecx),%eax: rcx's high half is dropped */
		{ "67 f2 0f 38 f8 41 80", "32-bit address drops high bits",
		  0, 0x2000 - 0x80, 0x1000 },
		/* 0x1000(,%rax,8) */
		{ "f2 0f 38 f8 04 c5 00 10 00 00", "index only",
		  0, 0x1000 * 8 + 0x1000, 0x1000 },
		/* 0xfffffffffffffff0: absolute, sign-extended disp32 */
		{ "f2 0f 38 f8 04 25 f0 ff ff ff", "absolute",
		  0, 0xfffffffffffffff0, 0x1000 },
		/* %fs:(%rax) */
		{ "64 f2 0f 38 f8 00", "fs base added",
		  0, 0x7f0000000000 + 0x1000, 0x1000 },
		/* %gs:(%ecx): truncate to 32 bits first, then add the base */
		{ "67 65 f2 0f 38 f8 01", "gs base after truncation",
		  0, 0x100000000 + 0x2000, 0x1000 },
		/* cs: (%rax): no base added */
		{ "2e f2 0f 38 f8 00", "cs override has base 0",
		  0, 0x1000, 0x1000 },
		/* (%r12,%r15,8),%r15 */
		{ "f2 47 0f 38 f8 3c fc", "REX.X and REX.B",
		  0, 0xd000 + 8 * 0x10000, 0x10000 },
		/* (%eax),%ecx: destination truncated to 32 bits too */
		{ "67 f2 0f 38 f8 08", "32-bit destination",
		  0, 0x1000, 0x2000 },
	};
	uint64_t gpr[16];
	bool ok = true;

	/* rax = 0x1000, rcx = 0x2000, ... r15 = 0x10000; rcx has high bits */
	for (int i = 0; i < 16; i++)
		gpr[i] = (uint64_t)(i + 1) * 0x1000;
	gpr[1] |= 0xbeef00000000;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct enqcmd_insn in;
		uint64_t src = 0, dst = 0;
		bool good = decode_hex(cases[i].hex, &in);

		if (good) {
			src = enqcmd_src_addr(&in, gpr, cases[i].rip,
					      0x7f0000000000, 0x100000000);
			dst = enqcmd_dst_addr(&in, gpr);
		}
		if (!good || src != cases[i].src || dst != cases[i].dst) {
			diag("%s [%s]: src %#llx dst %#llx, want %#llx %#llx",
			     cases[i].what, cases[i].hex, (unsigned long long)src,
			     (unsigned long long)dst, (unsigned long long)cases[i].src,
			     (unsigned long long)cases[i].dst);
			ok = false;
		}
	}
	result(ok, "effective addresses");
}

/* Fields objdump does not show: which override, how disp was encoded. */
static void check_fields(void)
{
	struct enqcmd_insn in;
	bool ok = true;

	ok &= decode_hex("3e f2 0f 38 f8 00", &in) && in.seg == ENQCMD_SEG_OTHER;
	ok &= decode_hex("64 2e f2 0f 38 f8 00", &in) && in.seg == ENQCMD_SEG_OTHER;
	ok &= decode_hex("2e 64 f2 0f 38 f8 00", &in) && in.seg == ENQCMD_SEG_FS;
	ok &= decode_hex("f2 0f 38 f8 00", &in) && in.seg == ENQCMD_SEG_NONE &&
	      in.disp_bytes == 0 && in.disp == 0 && in.scale == 1;
	ok &= decode_hex("f2 0f 38 f8 40 00", &in) && in.disp_bytes == 1;
	ok &= decode_hex("f2 0f 38 f8 04 65 10 00 00 00", &in) &&
	      in.base == ENQCMD_NO_REG && in.index == ENQCMD_NO_REG &&
	      in.scale == 1 && in.disp_bytes == 4;
	ok &= decode_hex("f2 0f 38 f8 05 00 00 00 00", &in) && in.base == ENQCMD_RIP;
	result(ok, "segment, displacement and scale fields");
}

int main(int argc, char **argv)
{
	size_t nrows = sizeof rows / sizeof rows[0];

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].objdump && !rows[i].differs)
				printf("%s|%s\n", rows[i].hex, rows[i].objdump);
		return 0;
	}

	host_plan(nrows + 3);
	for (size_t i = 0; i < nrows; i++)
		check_row(&rows[i]);
	check_all_lengths();
	check_addresses();
	check_fields();
	if (failed)
		diag("%d of %d failed", failed, test_no);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
