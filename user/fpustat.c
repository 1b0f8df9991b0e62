/*
 * fpustat: how the kernel keeps extended state, and what each user task
 * has cost it so far.
 *
 *   saves     XSAVE* when the task was switched out
 *   restores  XRSTOR* on its way back to user mode
 *   skipped   returns that needed no XRSTOR: its registers were still
 *             loaded, because nobody else's state replaced them meanwhile
 *   PASID     whether its first ENQCMD installed a PASID, and how many
 *             #GP fixups that took
 *   FLAGS     live: its state is in the registers now (it is running, or
 *             was the last to use them); load: TIF_NEED_FPU_LOAD, set when
 *             it is switched in: it must reload its buffer (unless still
 *             live) before it returns to user mode
 */
#include <stdio.h>
#include <stdlib.h>
#include "kestrel.h"
#include "uapi/xfeatures.h"

/* XSAVE feature bits, SDM vol. 1 13.1: the short names of the one table. */
#define SHORT_NAME(bit, short, linux) [bit] = short,
static const char *const feature_names[64] = { XFEATURE_LIST(SHORT_NAME) };

/* "  label  0x0000000000000207  x87 SSE AVX PKRU", wrapped under itself. */
static void print_mask(const char *label, unsigned long long mask)
{
	int col = printf("  %-9s 0x%016llx ", label, mask);
	int indent = col;

	if (!mask)
		printf(" (none)");
	for (int i = 0; i < 64; i++) {
		if (!(mask >> i & 1))
			continue;
		char name[24];
		int n = feature_names[i] ? snprintf(name, sizeof(name), "%s", feature_names[i])
					 : snprintf(name, sizeof(name), "bit%d", i);
		if (col + 1 + n > 79)
			col = printf("\n%*s", indent, "") - 1;
		col += printf(" %s", name);
	}
	printf("\n");
}

static void print_config(const struct kestrel_fpuinfo *fi)
{
	printf("Extended state: saved with %s, %s format\n", fi->strategy,
	       fi->compacted ? "compacted" : "standard");
	printf("  buffer    %u bytes per task (a debugger's standard image: %u)\n",
	       fi->size, fi->std_size);
	print_mask("XCR0", fi->xcr0);
	print_mask("IA32_XSS", fi->xss);
	print_mask("xfeatures", fi->xfeatures);
	printf("  PASID     %s\n", fi->pasid_emulated ? "emulated: kept by the kernel in software"
						  : "hardware: saved by XSAVES (IA32_XSS bit 10)");
	printf("  totals    %llu saves, %llu restores, %llu restores skipped\n",
	       fi->saves, fi->restores, fi->restores_skipped);
}

static void print_tasks(const struct kestrel_fpustat *st, long n)
{
	/* 5+5+1+15+10+10+10+10+1+9 = 76 columns */
	printf("\n%5s%5s %-15s%10s%10s%10s%10s %s\n",
	       "TID", "PID", "NAME", "SAVES", "RESTORES", "SKIPPED", "PASID", "FLAGS");
	for (long i = 0; i < n; i++) {
		const struct kestrel_fpustat *t = &st[i];
		char pasid[16], flags[16];

		snprintf(pasid, sizeof(pasid), "%s/%u",
			 t->flags & KESTREL_FPU_PASID_ACTIVE ? "active" : "-", t->pasid_fixups);
		snprintf(flags, sizeof(flags), "%s%s%s", t->flags & KESTREL_FPU_REGS_LIVE ? "live" : "",
			 (t->flags & KESTREL_FPU_REGS_LIVE) && (t->flags & KESTREL_FPU_NEED_LOAD) ? "," : "",
			 t->flags & KESTREL_FPU_NEED_LOAD ? "load" : "");
		printf("%5d%5d %-15.15s%10llu%10llu%10llu%10s %s\n", t->tid, t->pid, t->name,
		       t->saves, t->restores, t->restores_skipped, pasid, flags[0] ? flags : "-");
	}
}

int main(void)
{
	struct kestrel_fpuinfo fi;
	long r = kestrel_fpuinfo(&fi);

	if (r == -ENOSYS) {
		fprintf(stderr, "fpustat: not running on Kestrel\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "fpustat: kestrel_fpuinfo: error %ld\n", -r);
		return 1;
	}
	print_config(&fi);

	/* Ask how many tasks there are, then for them; a few spare, since
	 * tasks may start in between. */
	long n = kestrel_fpustat(NULL, 0);
	struct kestrel_fpustat *st = n >= 0 ? calloc(n + 8, sizeof(*st)) : NULL;
	if (st)
		r = kestrel_fpustat(st, n + 8);
	if (!st || r < 0) {
		fprintf(stderr, "fpustat: kestrel_fpustat: error %ld\n", st ? -r : -n);
		return 1;
	}
	print_tasks(st, r < n + 8 ? r : n + 8);
	free(st);
	return 0;
}
