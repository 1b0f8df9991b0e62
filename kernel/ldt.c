/*
 * modify_ldt: a process's own segment descriptors, as Linux's
 * arch/x86/kernel/ldt.c.  Programs that want a segment with a base of their
 * choosing (Wine, old threading libraries, Linux's fsgsbase tests) write
 * one with modify_ldt and load its selector (index << 3 | 4 | 3) into FS or
 * GS.  Kestrel builds each descriptor itself from the fields of struct
 * user_desc, as Linux's fill_ldt: always a code or data segment (S = 1),
 * always DPL 3, never a 64-bit code segment, never a gate; the table is
 * kernel memory the user cannot write.  16-bit segments are refused, as on
 * a Linux without CONFIG_X86_16BIT: an IRET to a 16-bit stack segment
 * leaves bits 31:16 of RSP from the kernel's stack (the espfix problem).
 */
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "uapi/errno.h"
#include "kernel/ldt.h"
#include "kernel/task.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "cpu/frame.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "lib/string.h"

#define LDT_ENTRIES 512 /* one page; Linux allows 8192 */

struct user_desc { /* <asm/ldt.h> */
	uint32_t entry_number, base_addr, limit;
	uint32_t seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
		seg_not_present : 1, useable : 1, lm : 1;
};
_Static_assert(sizeof(struct user_desc) == 16, "struct user_desc");

static bool ldt_empty(const struct user_desc *u)
{
	return !u->base_addr && !u->limit && !u->contents && u->read_exec_only && !u->seg_32bit &&
	       !u->limit_in_pages && u->seg_not_present && !u->useable;
}

/* Linux's fill_ldt: the descriptor (SDM vol. 3A 3.4.5), accessed bit set. */
static uint64_t descriptor(const struct user_desc *u)
{
	uint64_t type = (uint64_t)(u->read_exec_only ^ 1) << 1 | (uint64_t)u->contents << 2 | 1;
	uint64_t access =
		type | 1 << 4 /* S */ | 3 << 5 /* DPL */ | (uint64_t)(u->seg_not_present ^ 1) << 7;
	uint64_t flags = (uint64_t)u->useable | (uint64_t)u->seg_32bit << 2 |
			 (uint64_t)u->limit_in_pages << 3;
	return (u->limit & 0xffff) | (uint64_t)(u->base_addr & 0xffffff) << 16 | access << 40 |
	       (uint64_t)(u->limit >> 16 & 0xf) << 48 | flags << 52 |
	       (uint64_t)(u->base_addr >> 24) << 56;
}

static long write_ldt(struct process *p, const void *uptr, uint64_t bytecount, bool oldmode)
{
	struct user_desc u;
	if (bytecount != sizeof(u))
		return -EINVAL;
	if (copy_from_user(&u, uptr, sizeof(u)))
		return -EFAULT;
	if (u.entry_number >= LDT_ENTRIES)
		return -EINVAL;
	if (u.contents == 3 && (oldmode || !u.seg_not_present))
		return -EINVAL; /* conforming code */
	uint64_t d = 0;
	if (!((oldmode && !u.base_addr && !u.limit) || ldt_empty(&u))) {
		if (!u.seg_32bit)
			return -EINVAL; /* 16-bit: see the top of the file */
		d = descriptor(&u);
		if (oldmode)
			d &= ~(1ull << 52); /* the old mode has no AVL */
	}
	if (!p->ldt && !(p->ldt = kzalloc(LDT_ENTRIES * sizeof(uint64_t))))
		return -ENOMEM;
	p->ldt[u.entry_number] = d;
	if (u.entry_number >= p->ldt_entries)
		p->ldt_entries = u.entry_number + 1;
	gdt_load_ldt(p->ldt, p->ldt_entries); /* the caller's CPU sees it now */
	return 0;
}

static long read_ldt(struct process *p, void *uptr, uint64_t bytecount)
{
	if (!p->ldt)
		return 0;
	uint64_t n = MIN(bytecount, (uint64_t)LDT_ENTRIES * 8), have = p->ldt_entries * 8ul;
	if (copy_to_user(uptr, p->ldt, MIN(n, have)))
		return -EFAULT;
	for (uint64_t off = have; off < n; off += 8) {
		uint64_t zero = 0;
		if (copy_to_user((char *)uptr + off, &zero, MIN(8, n - off)))
			return -EFAULT;
	}
	return (long)n;
}

long sys_modify_ldt(struct trap_frame *tf)
{
	struct process *p = current()->proc;
	uint64_t zero[5] = { 0 };
	switch (tf->rdi) {
	case 0:
		return read_ldt(p, (void *)tf->rsi, tf->rdx);
	case 1:
		return write_ldt(p, (const void *)tf->rsi, tf->rdx, true);
	case 2: /* read_default_ldt: five empty descriptors */
		return copy_to_user((void *)tf->rsi, zero, MIN(tf->rdx, sizeof(zero)))
			       ? -EFAULT
			       : (long)MIN(tf->rdx, sizeof(zero));
	case 0x11:
		return write_ldt(p, (const void *)tf->rsi, tf->rdx, false);
	}
	return -ENOSYS;
}

/* At a switch into a task of p (kernel/switch.c), and p == NULL: none. */
void ldt_load(const struct process *p)
{
	gdt_load_ldt(p ? p->ldt : NULL, p && p->ldt ? p->ldt_entries : 0);
}

/* fork: the child gets a copy (Linux's ldt_dup_context).  0 or -ENOMEM. */
int ldt_copy(struct process *child, const struct process *parent)
{
	if (!parent->ldt)
		return 0;
	if (!(child->ldt = kmalloc(LDT_ENTRIES * sizeof(uint64_t))))
		return -ENOMEM;
	memcpy(child->ldt, parent->ldt, LDT_ENTRIES * sizeof(uint64_t));
	child->ldt_entries = parent->ldt_entries;
	return 0;
}

/* exec and the process's end: the table goes (Linux's destroy_context_ldt). */
void ldt_free(struct process *p)
{
	if (p == current()->proc)
		gdt_load_ldt(NULL, 0);
	kfree(p->ldt);
	p->ldt = NULL;
	p->ldt_entries = 0;
}
