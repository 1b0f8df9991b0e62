/*
 * Reader for InstLatx64 CPUID dumps; see cpuid-dump.h.
 *
 * The dumps vary: AIDA64 versions title the per-CPU blocks differently
 * ("Logical CPU #0", "CPUID Registers / Logical CPU #0"), add comments
 * after the registers, follow the CPUID blocks with MSR blocks, and old
 * ones have no "[SL nn]" tags at all.  So: a register line is whatever
 * starts "CPUID <hex>:", and the first block ends at the next "------["
 * title or at the next leaf 0.  In an untagged dump the leaf 0xD lines
 * come in sub-leaf order, sub-leaf 0 first, then (perhaps) sub-leaf 1,
 * then one line per supported component: their count tells which.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cpuid-dump.h"

#define CPUID_LEAF_XSTATE	0xd

__attribute__((format(printf, 3, 4)))
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static uint32_t hexval(char ch)
{
	return isdigit((unsigned char)ch) ? (uint32_t)(ch - '0') :
					    (uint32_t)(tolower((unsigned char)ch) - 'a' + 10);
}

/* 1 to 8 hex digits, either case, and no more. */
static bool parse_hex32(const char **p, uint32_t *v)
{
	const char *s = *p;
	uint32_t x = 0;
	int n;

	for (n = 0; n < 8 && isxdigit((unsigned char)*s); n++, s++)
		x = x << 4 | hexval(*s);
	if (n == 0 || isxdigit((unsigned char)*s))
		return false;
	*p = s;
	*v = x;
	return true;
}

/* "CPUID LLLLLLLL:"?  Leaves *p after the colon. */
static bool is_register_line(const char **p, uint32_t *leaf)
{
	const char *s = skip_spaces(*p);

	if (strncmp(s, "CPUID", 5) != 0 || (s[5] != ' ' && s[5] != '\t'))
		return false;
	s = skip_spaces(s + 5);
	if (!parse_hex32(&s, leaf) || *s != ':')
		return false;
	*p = s + 1;
	return true;
}

/* "EAX-EBX-ECX-EDX [SL nn]"; *subleaf is -1 when there is no tag. */
static bool parse_registers(const char *p, uint32_t r[4], long *subleaf)
{
	uint32_t sl;
	int i;

	p = skip_spaces(p);
	for (i = 0; i < 4; i++) {
		if ((i && *p++ != '-') || !parse_hex32(&p, &r[i]))
			return false;
	}
	if (*p && *p != ' ' && *p != '\t')
		return false;		/* "0000000G" is not a register */
	p = skip_spaces(p);
	*subleaf = -1;
	if (strncmp(p, "[SL", 3) != 0)
		return true;
	p = skip_spaces(p + 3);
	if (!parse_hex32(&p, &sl) || *p != ']')
		return false;
	*subleaf = sl;
	return true;
}

/*
 * Untagged leaf 0xD lines: line 0 is sub-leaf 0, whose EDX:EAX lists the
 * supported user components; the lines after it (if any) are those
 * components in index order, preceded by sub-leaf 1 when there is one
 * line to spare.
 */
static int assign_untagged(struct xstate_cpuid *c, uint32_t lines[][4], int n, bool *seen,
			   const char *name, char *err, size_t errlen)
{
	uint64_t supported = lines[0][0] | (uint64_t)lines[0][3] << 32;
	int ncomp = 0, next = 1;
	for (int i = FIRST_EXTENDED_XFEATURE; i < XFEATURE_MAX; i++)
		ncomp += supported >> i & 1;
	if (n != 1 && n != 1 + ncomp && n != 2 + ncomp) {
		seterr(err, errlen, "%s: %d leaf 0xD lines without [SL nn] tags for %d supported components: "
		       "cannot tell which sub-leaf each is", name, n, ncomp);
		return -1;
	}
	int subs[XFEATURE_MAX] = { 0 }, k = 0;
	if (n == 2 + ncomp)
		subs[next++] = 1;
	for (int i = FIRST_EXTENDED_XFEATURE; i < XFEATURE_MAX; i++)
		if (supported >> i & 1)
			subs[next++] = i;
	for (k = 0; k < n; k++) {
		c->sub[subs[k]] = (struct xstate_subleaf){ lines[k][0], lines[k][1], lines[k][2], lines[k][3] };
		seen[subs[k]] = true;
	}
	return 0;
}

int cpuid_dump_read(FILE *f, const char *name, struct xstate_cpuid *c,
		    char *err, size_t errlen)
{
	bool in_block = false, seen_leaf0 = false, seen[XFEATURE_MAX] = { false };
	uint32_t untagged[XFEATURE_MAX][4];
	int n_untagged = 0, n_tagged = 0;
	uint32_t max_leaf = 0, leaf, r[4];
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int ret = -1;
	long sl;

	memset(c, 0, sizeof(*c));
	while (getline(&line, &cap, f) >= 0) {
		const char *p = line;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(skip_spaces(p), "------[", 7) == 0) {
			if (in_block)
				break;
			continue;
		}
		if (!is_register_line(&p, &leaf))
			continue;
		if (!parse_registers(p, r, &sl)) {
			seterr(err, errlen, "%s:%lu: malformed CPUID line: '%.80s'", name, lineno, line);
			goto out;
		}
		if (leaf == 0 && in_block && sl <= 0)
			break;		/* next CPU, in a dump without block titles */
		in_block = true;
		if (leaf == 0) {
			seen_leaf0 = true;
			max_leaf = r[0];
		}
		if (leaf != CPUID_LEAF_XSTATE)
			continue;
		if (sl < 0) {
			if (n_untagged == XFEATURE_MAX || (n_untagged && n_tagged)) {
				seterr(err, errlen, "%s:%lu: leaf 0xD line without an [SL nn] tag after sub-leaf 0: "
				       "cannot tell which sub-leaf it is", name, lineno);
				goto out;
			}
			memcpy(untagged[n_untagged++], r, sizeof(r));
			continue;
		}
		if (n_untagged) {
			seterr(err, errlen, "%s:%lu: tagged and untagged leaf 0xD lines mixed", name, lineno);
			goto out;
		}
		n_tagged++;
		if (sl >= XFEATURE_MAX)
			continue;	/* reserved sub-leaves */
		if (seen[sl]) {
			seterr(err, errlen, "%s:%lu: leaf 0xD sub-leaf %ld appears twice in one block",
			       name, lineno, sl);
			goto out;
		}
		seen[sl] = true;
		c->sub[sl] = (struct xstate_subleaf){ r[0], r[1], r[2], r[3] };
	}
	if (n_untagged && assign_untagged(c, untagged, n_untagged, seen, name, err, errlen))
		goto out;
	if (ferror(f)) {
		seterr(err, errlen, "%s: read error: %s", name, strerror(errno));
		goto out;
	}
	if (!in_block) {
		seterr(err, errlen, "%s: no 'CPUID LLLLLLLL: EAX-EBX-ECX-EDX' lines: not a CPUID dump", name);
		goto out;
	}
	if (!seen[0]) {
		if (seen_leaf0 && max_leaf < CPUID_LEAF_XSTATE)
			seterr(err, errlen, "%s: highest basic CPUID leaf is 0x%x: no leaf 0xD, so no XSAVE",
			       name, max_leaf);
		else
			seterr(err, errlen, "%s: no leaf 0xD sub-leaf 0 in the first CPU's block", name);
		goto out;
	}
	ret = 0;
out:
	free(line);
	return ret;
}

int cpuid_dump_load(const char *path, struct xstate_cpuid *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = cpuid_dump_read(f, path, c, err, errlen);
	fclose(f);
	return ret;
}
