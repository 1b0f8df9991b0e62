/*
 * Memory protection keys (SDM vol. 3A 5.6.2): each user page carries a
 * 4-bit key in PTE bits 62:59, and the PKRU register holds two bits per
 * key, AD (no access) and WD (no writes), checked on every user data
 * access.  PKRU is per-thread extended state (XSAVE feature 9), so the
 * kernel changes it only through the update API.  Linux's calls and
 * numbers: pkey_alloc, pkey_free, pkey_mprotect.
 */
#include "kernel/kernel.h"
#include "cpu/cpu.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/syscall.h"
#include "fpu/fpu.h"
#include "cpu/frame.h"
#include "kernel/pkey.h"
#include "mm/vm.h"

#define NKEYS 16
#define PKEY_DISABLE_ACCESS 1
#define PKEY_DISABLE_WRITE 2

static bool pkeys_enabled(void)
{
	return fpu_cfg.xcr0 >> XFEATURE_PKRU & 1;
}

/* Set key's two PKRU bits in task t's state, through the update API. */
static void set_pkey_rights(struct task *t, int key, uint32_t rights)
{
	uint32_t *pkru = xstate_begin_update(t, XFEATURE_PKRU);
	*pkru = (*pkru & ~(3u << (2 * key))) | (rights << (2 * key));
	xstate_finish_update(t, XFEATURE_PKRU);
}

long sys_pkey_alloc(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint32_t rights = (uint32_t)tf->rsi;
	if (tf->rdi || rights & ~(PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE))
		return -EINVAL;
	if (!pkeys_enabled())
		return -ENOSPC;		/* as Linux, when the CPU has no keys */
	for (int key = 1; key < NKEYS; key++) {	/* key 0 is every page's default */
		if (p->pkeys_used >> key & 1)
			continue;
		p->pkeys_used |= 1u << key;
		set_pkey_rights(current(), key, rights);
		return key;
	}
	return -ENOSPC;
}

long sys_pkey_free(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint64_t key = tf->rdi;
	if (key == 0 || key >= NKEYS || !(p->pkeys_used >> key & 1))
		return -EINVAL;
	p->pkeys_used &= ~(1u << key);
	return 0;
}

long sys_pkey_mprotect(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	int64_t key = (int64_t)tf->r10;
	if (key == -1)
		key = 0;
	if (key < 0 || key >= NKEYS || (key && !(p->pkeys_used >> key & 1)))
		return -EINVAL;
	/* Without keys the PTE bits are the physical address's (CR4.PKE off:
	 * SDM vol. 3A 5.5.5): leave them alone. */
	return do_mprotect_pkey(p, tf->rdi, tf->rsi, tf->rdx, pkeys_enabled() ? (int)key : -1);
}

/* For fault reports: the key of the page at va. */
int pkey_of(struct process *p, uint64_t va)
{
	uint64_t *pte = vm_walk(p->root, va, false);
	return pte ? (int)(*pte >> PTE_PKEY_SHIFT & 0xf) : 0;
}
