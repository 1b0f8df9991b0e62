#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "lib/string.h"
#include "lib/printf.h"

#define EXPECT_FMT(t, want, ...) ({ \
	char buf[64]; \
	ksnprintf(buf, sizeof(buf), __VA_ARGS__); \
	KEXPECT_STREQ(t, buf, want); })

static void printf_decimal(struct ktest *t)
{
	EXPECT_FMT(t, "0", "%d", 0);
	EXPECT_FMT(t, "-42", "%d", -42);
	EXPECT_FMT(t, "-2147483648", "%d", (int)0x80000000);
	EXPECT_FMT(t, "4294967295", "%u", 0xffffffffu);
	EXPECT_FMT(t, "-9223372036854775808", "%ld", (long)0x8000000000000000ul);
	EXPECT_FMT(t, "18446744073709551615", "%lu", ~0ul);
}

static void printf_hex(struct ktest *t)
{
	EXPECT_FMT(t, "ff", "%x", 255);
	EXPECT_FMT(t, "FF", "%X", 255);
	EXPECT_FMT(t, "ffffffff", "%x", -1);
	EXPECT_FMT(t, "ffffffff80000000", "%lx", 0xffffffff80000000ul);
}

static void printf_width_and_padding(struct ktest *t)
{
	EXPECT_FMT(t, "   42", "%5d", 42);
	EXPECT_FMT(t, "00042", "%05d", 42);
	EXPECT_FMT(t, "-0042", "%05d", -42);
	EXPECT_FMT(t, "42   |", "%-5d|", 42);
	EXPECT_FMT(t, "0000beef", "%08x", 0xbeef);
	EXPECT_FMT(t, "123456", "%3d", 123456);
}

static void printf_pointer(struct ktest *t)
{
	EXPECT_FMT(t, "0xffffffff80100000", "%p", (void *)0xffffffff80100000ul);
	EXPECT_FMT(t, "0x0", "%p", NULL);
}

static void printf_string_and_char(struct ktest *t)
{
	EXPECT_FMT(t, "hello", "%s", "hello");
	const char *volatile null = NULL;	/* volatile: hide it from -Wformat */
	EXPECT_FMT(t, "(null)", "%s", null);
	EXPECT_FMT(t, "   ab", "%5s", "ab");
	EXPECT_FMT(t, "ab   |", "%-5s|", "ab");
	EXPECT_FMT(t, "x", "%c", 'x');
	EXPECT_FMT(t, "100%", "%d%%", 100);
}

static void printf_truncates_safely(struct ktest *t)
{
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	int n = ksnprintf(buf, 4, "%s", "abcdef");
	KEXPECT_EQ(t, n, 6);			/* what it would have written */
	KEXPECT_STREQ(t, buf, "abc");
	KEXPECT_EQ(t, buf[4], 'Z');		/* nothing past the size */
}

KTEST_SUITE(printf,
	KTEST_CASE(printf_decimal),
	KTEST_CASE(printf_hex),
	KTEST_CASE(printf_width_and_padding),
	KTEST_CASE(printf_pointer),
	KTEST_CASE(printf_string_and_char),
	KTEST_CASE(printf_truncates_safely));
