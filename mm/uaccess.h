/*
 * The one way the kernel touches user memory.  A user pointer is never
 * dereferenced directly: it may be NULL, point into the kernel, or be
 * unmapped.  These check the range, open SMAP's window (STAC/CLAC), and
 * recover from a page fault through the exception table.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

/* Is [p, p+n) inside the user half?  (Mapped or not is found out by copying.) */
bool access_ok(const void *p, size_t n);
/* 0, or -EFAULT if any byte could not be copied. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* Copy a NUL-terminated string of at most max-1 chars: its length, -EFAULT, or -E2BIG. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);
