/*
 * test-uname: uname(2), the system call of lab syscall (docs/labs/
 * syscall.md).  The fields a program reads, and the pointers it must not
 * be able to hurt the kernel with: each must give -EFAULT, leave the
 * program running, and write nothing where it may not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include "ktap.h"
#include "raw_syscall.h"

#define PAGE_SIZE 4096UL

static long raw_uname(void *buf) { return raw_syscall1(SYS_uname, (long)buf); }

static const char *uname_fills_every_field(void)
{
	struct utsname u;
	memset(&u, 0x7f, sizeof(u));
	long r = raw_uname(&u);
	if (!KTAP_EXPECT(r == 0, "uname returned %ld%s", r,
			 r == -ENOSYS ? " (-ENOSYS: no system call 63 yet)" : ""))
		return NULL;
	KTAP_EXPECT(strcmp(u.sysname, "Kestrel") == 0, "sysname \"%.65s\", want \"Kestrel\"",
		    u.sysname);
	KTAP_EXPECT(strcmp(u.machine, "x86_64") == 0, "machine \"%.65s\", want \"x86_64\"",
		    u.machine);
	const char *fields[] = { u.sysname, u.nodename, u.release,
				 u.version, u.machine,	u.domainname };
	for (int i = 0; i < 6; i++)
		KTAP_EXPECT(memchr(fields[i], '\0', sizeof(u.sysname)) != NULL && fields[i][0],
			    "field %d is not a non-empty string of at most 64 characters", i);
	return NULL;
}

/* musl's uname() is the raw call: the same answer through libc. */
static const char *libc_uname_agrees(void)
{
	struct utsname a, b;
	if (!KTAP_EXPECT(uname(&a) == 0, "uname(): errno %d", errno) || raw_uname(&b) != 0)
		return NULL;
	KTAP_EXPECT(memcmp(&a, &b, sizeof(a)) == 0, "two calls gave different answers");
	return NULL;
}

static const char *bad_pointers_get_efault(void)
{
	static const unsigned long bad[] = {
		0,
		8,
		0xffffffff80100000UL /* the kernel */,
		0x8000000000000000UL,
		0x00007ffffffff000UL,
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = raw_uname((void *)bad[i]);
		KTAP_EXPECT(r == -EFAULT, "uname(0x%lx) returned %ld, want -EFAULT", bad[i], r);
	}
	return NULL;
}

/*
 * A buffer whose last bytes are on an unmapped page, then on a read-only
 * one: -EFAULT, and the part that would fit stays as it was (Kestrel's
 * copy_to_user is all or nothing).  This is the copy that faults inside
 * the kernel when the check in front of it is missing: the exception
 * table has to catch it.
 */
static const char *straddling_buffers_get_efault(void)
{
	char *p = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (!KTAP_EXPECT(p != MAP_FAILED, "mmap failed"))
		return NULL;
	char *buf = p + PAGE_SIZE - 100;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			munmap(p + PAGE_SIZE, PAGE_SIZE);
		else if (mmap(p + PAGE_SIZE, PAGE_SIZE, PROT_READ,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			return "no read-only page";
		memset(buf, 'k', 100);
		long r = raw_uname(buf);
		KTAP_EXPECT(r == -EFAULT, "uname across an %s page returned %ld, want -EFAULT",
			    pass ? "read-only" : "unmapped", r);
		KTAP_EXPECT(memchr(buf, 0, 100) == NULL && buf[0] == 'k',
			    "a failed uname wrote into the part of the buffer that fits");
	}
	munmap(p, 2 * PAGE_SIZE);
	return NULL;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "uname_fills_every_field", uname_fills_every_field },
		{ "libc_uname_agrees", libc_uname_agrees },
		{ "bad_pointers_get_efault", bad_pointers_get_efault },
		{ "straddling_buffers_get_efault", straddling_buffers_get_efault },
	};
	return KTAP_RUN(cases);
}
