/*
 * xstate-layout: the XSAVE area layout a CPU gets for a feature mask,
 * computed from a CPUID dump by fpu/layout.c (the kernel's own code) and
 * printed in the words Linux prints at boot (arch/x86/kernel/fpu/xstate.c),
 * so the output can be set beside a real dmesg.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpu/layout.h"
#include "tools/cpuid-dump.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xstate-layout [--format compacted|standard] [--mask MASK] DUMP.txt\n"
		"\n"
		"Print the XSAVE area layout for the CPU in DUMP.txt, a CPUID dump in\n"
		"InstLatx64 text format (the first logical CPU's block is used), as\n"
		"Linux prints it at boot.\n"
		"\n"
		"  --format FORMAT  'compacted' (XSAVEC/XSAVES) or 'standard' (XSAVE);\n"
		"                   default: compacted if the CPU has XSAVEC or XSAVES,\n"
		"                   as Linux chooses\n"
		"  --mask MASK      enabled features, XCR0 | IA32_XSS, in hex, e.g. 0xae7;\n"
		"                   default: every XCR0 bit the CPU supports\n"
		"  --help           show this and exit\n"
		"\n"
		"Exit status: 0 on success, 1 if the dump or the mask is unusable,\n"
		"2 on bad arguments.\n");
}

static int parse_mask(const char *s, uint64_t *mask)
{
	char *end;

	if (!isxdigit((unsigned char)*s))	/* strtoull takes "-1" and " 1" */
		return -1;
	errno = 0;
	*mask = strtoull(s, &end, 16);	/* hex, as Linux prints it; "0x" optional */
	return errno || *end ? -1 : 0;
}

/* Name every bit of @mask that neither XCR0 nor IA32_XSS supports. */
static void report_unsupported(const char *dump, uint64_t mask, const struct xstate_cpuid *c)
{
	uint64_t user = xstate_user_features(c), supervisor = xstate_supervisor_features(c);
	uint64_t bad = mask & ~(user | supervisor);
	int i;

	fprintf(stderr, "xstate-layout: %s: mask 0x%" PRIx64 " has bits 0x%" PRIx64
		" that this CPU does not support:\n", dump, mask, bad);
	for (i = 0; i < XFEATURE_MAX; i++) {
		if (bad >> i & 1)
			fprintf(stderr, "xstate-layout:   bit %d (0x%" PRIx64 "): '%s'\n",
				i, (uint64_t)1 << i, xfeature_name(i));
	}
	fprintf(stderr, "xstate-layout: it supports 0x%" PRIx64 " in XCR0 and 0x%" PRIx64
		" in IA32_XSS\n", user, supervisor);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "mask",   required_argument, NULL, 'm' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int format = -1, opt, err, i;
	bool have_mask = false;
	struct xstate_layout layout;
	struct xstate_cpuid c;
	const char *dump;
	char msg[512];
	uint64_t mask = 0;

	while ((opt = getopt_long(argc, argv, "f:m:h", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "compacted") == 0) {
				format = XSTATE_FORMAT_COMPACTED;
			} else if (strcmp(optarg, "standard") == 0) {
				format = XSTATE_FORMAT_STANDARD;
			} else {
				fprintf(stderr, "xstate-layout: --format must be 'compacted' or 'standard', not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'm':
			if (parse_mask(optarg, &mask)) {
				fprintf(stderr, "xstate-layout: --mask: '%s' is not a 64-bit hex number (e.g. 0xae7)\n",
					optarg);
				return 2;
			}
			have_mask = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'xstate-layout --help'.\n");
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "xstate-layout: expected one CPUID dump file, got %d\n"
			"Try 'xstate-layout --help'.\n", argc - optind);
		return 2;
	}
	dump = argv[optind];

	if (cpuid_dump_load(dump, &c, msg, sizeof(msg))) {
		fprintf(stderr, "xstate-layout: %s\n", msg);
		return 1;
	}
	if (!have_mask)
		mask = xstate_user_features(&c);
	if (format < 0)
		format = c.sub[1].eax & (XSTATE_CPUID_XSAVEC | XSTATE_CPUID_XSAVES) ?
			 XSTATE_FORMAT_COMPACTED : XSTATE_FORMAT_STANDARD;
	if (mask & ~(xstate_user_features(&c) | xstate_supervisor_features(&c))) {
		report_unsupported(dump, mask, &c);
		return 1;
	}

	err = xstate_layout_calculate(&c, mask, (enum xstate_format)format, &layout);
	if (err) {
		if (layout.bad_xfeature >= 0)
			fprintf(stderr, "xstate-layout: %s: xstate feature %d ('%s'): %s\n", dump,
				layout.bad_xfeature, xfeature_name(layout.bad_xfeature),
				xstate_strerror(err));
		else
			fprintf(stderr, "xstate-layout: %s: %s\n", dump, xstate_strerror(err));
		return 1;
	}

	/* The three kinds of line Linux prints, in its order. */
	for (i = 0; i < XFEATURE_MAX; i++) {
		if (mask >> i & 1)
			printf("x86/fpu: Supporting XSAVE feature 0x%03" PRIx64 ": '%s'\n",
			       (uint64_t)1 << i, xfeature_name(i));
	}
	for (i = FIRST_EXTENDED_XFEATURE; i < XFEATURE_MAX; i++) {
		if (mask >> i & 1)
			printf("x86/fpu: xstate_offset[%d]: %4u, xstate_sizes[%d]: %4u\n",
			       i, layout.offset[i], i, layout.size[i]);
	}
	printf("x86/fpu: Enabled xstate features 0x%" PRIx64 ", context size is %u bytes, using '%s' format.\n",
	       mask, layout.total_size,
	       format == XSTATE_FORMAT_COMPACTED ? "compacted" : "standard");
	return 0;
}
