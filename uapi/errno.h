/*
 * Error numbers.  Kernel functions return 0 or a negative one of these
 * (return -ENOEXEC), the convention Linux uses.  The values are Linux's
 * x86-64 numbers so that user programs built against musl, which passes
 * a negated syscall return straight into errno, print the right message.
 */
#pragma once

#define EPERM		1	/* operation not permitted */
#define ENOENT		2	/* no such file or directory */
#define ESRCH		3	/* no such process */
#define EINTR		4	/* interrupted system call */
#define EIO		5	/* I/O error */
#define E2BIG		7	/* argument list too long */
#define ENOEXEC		8	/* exec format error */
#define EBADF		9	/* bad file descriptor */
#define ECHILD		10	/* no child processes */
#define EAGAIN		11	/* try again */
#define ENOMEM		12	/* out of memory */
#define EACCES		13	/* permission denied */
#define EFAULT		14	/* bad address */
#define EBUSY		16	/* device or resource busy */
#define EEXIST		17	/* file exists */
#define EINVAL		22	/* invalid argument */
#define ENOTTY		25	/* not a typewriter */
#define ENODEV		19	/* no such device (mmap of what we cannot map) */
#define ENOSPC		28	/* no space left on device */
#define ERANGE		34	/* result out of range */
#define ENAMETOOLONG 36		/* file name too long */
#define ENOSYS		38	/* function not implemented */
#define ETIMEDOUT	110	/* connection timed out (futex timeouts) */
