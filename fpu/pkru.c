/*
 * PKRU is switched eagerly, at every context switch, not with the rest of
 * the state on the way back to user mode.  The CPU applies PKRU to the
 * kernel's own accesses to user pages too (SDM vol. 3A 4.6.2: a
 * supervisor-mode data access to a user-mode address obeys AD, and WD when
 * CR0.WP = 1), so a copy_to_user() after a sleep must run under the
 * caller's PKRU, not the previous task's.  Linux does the same since 5.14
 * (x86_pkru_load() in switch_to; "PKRU state is switched eagerly because it
 * needs to be valid before we return to userland e.g. for a copy_to_user()").
 *
 * The task's buffer stays the one home of its PKRU: the XSAVE at switch-out
 * captures the live value with everything else, the update API writes both
 * the buffer and (for the current task) the register, and no XRSTOR ever
 * loads PKRU (fpu/xsave.c), so a stale buffer copy cannot clobber it.
 * Invariant: for the current user task the register holds its PKRU, and
 * whenever TIF_NEED_FPU_LOAD is set its buffer holds the same value.
 */
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "fpu/fpu.h"
#include "fpu/internal.h"
#include "fpu/xsave.h"

#define PKRU_INIT 0	/* Kestrel's initial PKRU: every key open (Linux: all but key 0 AD) */

bool pkru_enabled(void)
{
	return fpu_cfg.xcr0 >> XFEATURE_PKRU & 1;
}

uint32_t rdpkru(void)
{
	uint32_t pkru, edx;
	asm volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

void wrpkru(uint32_t pkru)
{
	/* "memory": no access may move across the change of rights. */
	asm volatile("wrpkru" :: "a"(pkru), "c"(0), "d"(0) : "memory");
}

/* The PKRU t's buffer holds: its init value when XSTATE_BV[9] is clear. */
uint32_t pkru_of(struct task *t)
{
	if (!(xregs(t->fpu.state)->header.xfeatures >> XFEATURE_PKRU & 1))
		return PKRU_INIT;
	return *(uint32_t *)((char *)t->fpu.state + fpu_cfg.offset[XFEATURE_PKRU]);
}

/*
 * From fpu_switch_out(), after prev's registers were saved: the PKRU next
 * runs with.  A kernel thread gets the init value, as Linux's
 * pkru_write_default(): it makes no user accesses on a task's behalf, and
 * must not inherit a process's rights.  WRPKRU is not free, so skip it
 * when the value is already right.
 */
void pkru_switch_to(struct task *next)
{
	if (!pkru_enabled())
		return;
	uint32_t want = next->fpu.state ? pkru_of(next) : PKRU_INIT;
	if (rdpkru() != want)
		wrpkru(want);
}
