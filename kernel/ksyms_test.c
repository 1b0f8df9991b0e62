#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "kernel/ksyms.h"
#include "lib/printf.h"
#include "kernel/main.h"


static void ksyms_names_functions(struct ktest *t)
{
	uint64_t off;
	KEXPECT_STREQ(t, ksym_lookup((uint64_t)kmain, &off), "kmain");
	KEXPECT_EQ(t, off, 0);
	KEXPECT_STREQ(t, ksym_lookup((uint64_t)kprintf + 5, &off), "kprintf");
	KEXPECT_EQ(t, off, 5);
	KEXPECT(t, ksym_lookup(0x1000, &off) == NULL);
}

KTEST_SUITE(ksyms, KTEST_CASE(ksyms_names_functions));
