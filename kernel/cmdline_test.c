#include "kernel/kernel.h"
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "boot/multiboot.h"
#include "lib/printf.h"

/* Each case parses its own line; the boot command line is restored after. */
static void restore(void)
{
	cmdline_parse(boot_info.cmdline);
}

static void cmdline_key_value_and_flags(struct ktest *t)
{
	KEXPECT_EQ(t, cmdline_parse("ktest=all  xsave=xsavec quiet"), 3);
	KEXPECT_STREQ(t, cmdline_get("ktest"), "all");
	KEXPECT_STREQ(t, cmdline_get("xsave"), "xsavec");
	KEXPECT_STREQ(t, cmdline_get("quiet"), "");
	KEXPECT(t, cmdline_get("xsav") == NULL);
	KEXPECT(t, !cmdline_has("missing"));
	restore();
}

static void cmdline_last_wins(struct ktest *t)
{
	cmdline_parse("xsave=xsaves xsave=fxsave");
	KEXPECT_STREQ(t, cmdline_get("xsave"), "fxsave");
	restore();
}

static void cmdline_lists(struct ktest *t)
{
	cmdline_parse("ktest=pmm,vm,heap");
	KEXPECT(t, cmdline_list_has("ktest", "pmm"));
	KEXPECT(t, cmdline_list_has("ktest", "heap"));
	KEXPECT(t, !cmdline_list_has("ktest", "pm"));
	KEXPECT(t, !cmdline_list_has("ktest", "vm,heap"));
	KEXPECT(t, !cmdline_list_has("nothere", "pmm"));
	restore();
}

static void cmdline_empty_and_blank(struct ktest *t)
{
	KEXPECT_EQ(t, cmdline_parse(""), 0);
	KEXPECT_EQ(t, cmdline_parse("   \t  "), 0);
	KEXPECT_EQ(t, cmdline_parse("a= b"), 2);
	KEXPECT_STREQ(t, cmdline_get("a"), "");
	restore();
}

static void cmdline_too_many_options(struct ktest *t)
{
	char line[200];
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		n += ksnprintf(line + n, sizeof(line) - n, "o%d ", i);
	KEXPECT_EQ(t, cmdline_parse(line), 32);
	KEXPECT(t, cmdline_has("o31"));
	KEXPECT(t, !cmdline_has("o32"));
	restore();
}

KTEST_SUITE(cmdline,
	KTEST_CASE(cmdline_key_value_and_flags),
	KTEST_CASE(cmdline_last_wins),
	KTEST_CASE(cmdline_lists),
	KTEST_CASE(cmdline_empty_and_blank),
	KTEST_CASE(cmdline_too_many_options));
