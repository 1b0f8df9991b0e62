/*
 * Talking to Kestrel's accelerator from a program: build a 64-byte
 * descriptor, send it to the portal with ENQCMD, poll the completion
 * record.  The layouts are DSA's (drivers/accel.h has the kernel's side).
 */
#ifndef KESTREL_ACCEL_H
#define KESTREL_ACCEL_H

#include <stdint.h>
#include <sched.h>
#include "kestrel.h"

/*
 * ENQCMD portal, desc: the raw bytes F2 0F 38 F8 /r, here with ModRM 0x06
 * (reg = rax: the portal address; r/m = (rsi): the descriptor).  Returns
 * ZF: 0 if the device took the descriptor, 1 if its queue was full.
 */
static inline int enqcmd(void *portal, const struct accel_desc *desc)
{
	uint8_t zf;
	__asm__ volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x06\n\t"	/* enqcmd (%rsi), %rax */
			 "setz %0"
			 : "=r"(zf) : "a"(portal), "S"(desc) : "cc", "memory");
	return zf;
}

/* Submit (retrying while the queue is full) and wait for the completion. */
static inline int accel_run(void *portal, struct accel_desc *d, struct accel_completion *c)
{
	c->status = 0;
	d->completion = (uint64_t)c;
	while (enqcmd(portal, d))
		sched_yield();
	while (!c->status)
		sched_yield();
	return c->status;
}

/* The device's portal, binding this process on the first call; NULL if
 * the bind fails. */
static inline void *accel_portal(void)
{
	static void *portal;
	if (!portal) {
		long r = kestrel_accel_bind();
		if (r > 0)
			portal = (void *)r;
	}
	return portal;
}

/* One NOOP descriptor submitted through where (the portal, or an address a
 * test wants refused); the completion's status. */
static inline int accel_noop(void *where)
{
	static struct accel_desc d;
	static struct accel_completion c;
	d = (struct accel_desc){ .flags_op = (uint32_t)ACCEL_NOOP << 24 };
	return accel_run(where, &d, &c);
}

/* This thread's PASID fix-up count and state, from the kernel's fpustat. */
static inline int my_pasid_fixups(int tid, int *active)
{
	struct kestrel_fpustat st[64];
	long n = kestrel_fpustat(st, 64);
	for (long i = 0; i < n && i < 64; i++)
		if (st[i].tid == tid) {
			if (active)
				*active = !!(st[i].flags & KESTREL_FPU_PASID_ACTIVE);
			return (int)st[i].pasid_fixups;
		}
	return -1;
}

#endif
