/*
 * A software accelerator with a shared work queue, modelled on Intel DSA.
 * ENQCMD (emulated in traps/enqcmd.c where the CPU lacks it) hands it a
 * 64-byte descriptor tagged with the submitter's PASID; a kernel thread,
 * the "device", takes descriptors off the queue and does the work in the
 * address space the PASID names, walking that process's page tables with
 * its permissions (shared virtual addressing): the device sees exactly
 * what the process sees, and nothing else.  It reports through a
 * completion record in the process's memory, which the program polls.
 */
#include "kernel/kernel.h"
#include "drivers/accel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "cpu/x86.h"
#include "kernel/sched.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "lib/printf.h"
#include "kernel/panic.h"
#include "mm/pasid.h"
#include "mm/uvm.h"
#include "mm/lookup.h"

static struct accel_desc queue[ACCEL_QUEUE_DEPTH];
static unsigned head, tail;		/* tail - head descriptors are waiting */
#define IDLE 0xffffffffu		/* no PASID is this; 0 may be in a descriptor */
static uint32_t busy_pasid = IDLE;	/* the PASID of the descriptor being worked on */
static uint64_t portal_page;
static const char drained;		/* a channel: woken after each descriptor */

uint64_t accel_portal_phys(void) { return portal_page; }

/* ENQCMD's enqueue store: accepted, or refused when the queue is full
 * (the CPU reports which in ZF).  Interrupts off: one CPU, no lock. */
int accel_submit(const struct accel_desc *d)
{
	uint64_t f = irq_save();
	int ret = -EAGAIN;
	if (tail - head < ACCEL_QUEUE_DEPTH) {
		queue[tail++ % ACCEL_QUEUE_DEPTH] = *d;
		wakeup(queue);
		ret = 0;
	}
	irq_restore(f);
	return ret;
}

/* The kernel address of user address va in p, if p could access it.  A
 * device's access obeys the page tables but not PKRU, which is the CPU's. */
static uint8_t *translate(struct process *p, uint64_t va, bool write)
{
	struct uvm_page pg;
	if (uvm_lookup(p->root, va, write ? UVM_WRITE : UVM_READ, 0, &pg))
		return NULL;
	return pg.kva;
}

/* Byte-by-byte through translate(): simple, and a page fault is exact. */
static bool run(struct process *p, const struct accel_desc *d, struct accel_completion *c)
{
	uint32_t op = d->flags_op >> 24;
	uint64_t n = d->size, i;
	bool backward = op == ACCEL_MEMMOVE && d->dst > d->src && d->dst < d->src + n;
	for (uint64_t k = 0; k < n; k++) {
		i = backward ? n - 1 - k : k;
		uint8_t *s = NULL, *t = NULL;
		uint64_t bad = 0;
		if (op == ACCEL_MEMMOVE || op == ACCEL_COMPARE)
			if (!(s = translate(p, d->src + i, false)))
				bad = d->src + i;
		if (!bad && !(t = translate(p, d->dst + i, op != ACCEL_COMPARE)))
			bad = d->dst + i;
		if (bad) {
			c->status = ACCEL_STATUS_PAGE_FAULT;
			c->fault_addr = bad;
			return false;
		}
		if (op == ACCEL_MEMMOVE)
			*t = *s;
		else if (op == ACCEL_FILL)
			*t = (uint8_t)(d->src >> (8 * (i % 8)));
		else if (*s != *t) {
			c->result = 1;
			c->bytes_completed = (uint32_t)i;	/* DSA: where they first differ */
			return true;
		}
		c->bytes_completed = (uint32_t)(k + 1);
	}
	return true;
}

static void execute(const struct accel_desc *d)
{
	struct process *p = pasid_owner(d->pasid & ((1u << PASID_BITS) - 1));
	struct accel_completion c = { .status = ACCEL_STATUS_SUCCESS };
	uint32_t op = d->flags_op >> 24;
	if (!p)
		return;		/* no address space has this PASID: nowhere to write */
	if (op != ACCEL_NOOP && op != ACCEL_MEMMOVE && op != ACCEL_FILL && op != ACCEL_COMPARE)
		c.status = ACCEL_STATUS_BAD_OPCODE;
	else if (d->size > ACCEL_MAX_SIZE)
		c.status = ACCEL_STATUS_BAD_SIZE;
	else if (op != ACCEL_NOOP)
		run(p, d, &c);
	/* The completion record, as any other write, only where p may write. */
	uint8_t *rec[sizeof(c)];
	for (size_t i = 0; i < sizeof(c); i++)
		if (!d->completion || !(rec[i] = translate(p, d->completion + i, true)))
			return;
	/* Status last: the program polls it, and must see the rest first. */
	for (size_t i = sizeof(c); i-- > 0;)
		*rec[i] = ((uint8_t *)&c)[i];
}

static void device_thread(void *unused)
{
	(void)unused;
	for (;;) {
		cli();
		while (head == tail)
			sleep_on(queue);
		struct accel_desc d = queue[head % ACCEL_QUEUE_DEPTH];
		busy_pasid = d.pasid & ((1u << PASID_BITS) - 1);
		head++;
		sti();
		execute(&d);
		busy_pasid = IDLE;
		wakeup(&drained);
		yield();	/* a device works alongside the CPU, not instead of it */
	}
}

/* Wait until no queued or running descriptor carries pasid. */
void accel_drain(uint32_t pasid)
{
	uint64_t f = irq_save();
	for (;;) {
		bool pending = busy_pasid == pasid;
		for (unsigned i = head; i != tail && !pending; i++)
			pending = (queue[i % ACCEL_QUEUE_DEPTH].pasid & ((1u << PASID_BITS) - 1)) == pasid;
		if (!pending)
			break;
		sleep_on(&drained);
	}
	irq_restore(f);
}

static void accel_release(struct process *p);

void accel_init(void)
{
	uvm_on_release(accel_release);
	portal_page = pmm_alloc_zeroed();
	if (!portal_page || !kthread_create("accel", device_thread, NULL))
		panic("accel: cannot start the device");
	kprintf("accel: software DSA-like device, shared work queue of %d, up to %d PASIDs\n",
		ACCEL_QUEUE_DEPTH, PASID_LIMIT);
}

/*
 * The portal is the device's one page, mapped into every bound process.
 * A device portal carries no data: only ENQCMD's enqueue store may reach
 * it.  So the entry is never present (vm_map makes every PTE_DEVICE entry
 * so): a plain read, store or instruction fetch faults, a futex on it is
 * -EFAULT, the kernel's own user copies fault, and no byte can pass from
 * one process to another through the shared page.  Its U and W bits are
 * the logical protection that mprotect changes and ENQCMD obeys.
 */
static bool portal_at(struct process *p, uint64_t va)
{
	uint64_t *pte = va ? vm_walk(p->root, va, false) : NULL;
	return pte && (*pte & PTE_DEVICE) && (*pte & PTE_ADDR) == accel_portal_phys();
}

/* Map the portal where mmap would put a page: its address, or 0. */
static uint64_t map_portal(struct process *p)
{
	uint64_t va = uvm_find_free(p->root, 1, MMAP_FLOOR(p));
	if (!va || vm_map(p->root, va, accel_portal_phys(), PTE_U | PTE_W | PTE_NX | PTE_DEVICE))
		return 0;
	return va;
}

long accel_bind(struct process *p)
{
	if (p->pasid) {
		/* The program may have unmapped the portal, or mapped over it
		 * (MAP_FIXED): never hand back an address that is not it. */
		if (!portal_at(p, p->portal) && !(p->portal = map_portal(p)))
			return -ENOMEM;
		return (long)p->portal;
	}
	int pasid = pasid_alloc(p);
	if (pasid < 0)
		return pasid;
	uint64_t va = map_portal(p);
	if (!va) {
		pasid_free((uint32_t)pasid);
		return -ENOMEM;
	}
	p->pasid = (uint32_t)pasid;
	p->portal = va;
	kprintf("accel: %s[%d] bound: PASID %d, portal at %lx\n", p->name, p->pid, pasid, va);
	return (long)va;
}

/* The address-space release hook (mm/uvm.c): at exit, before the address
 * space goes.  Whatever the program mapped over the portal is its own and
 * uvm_destroy frees it: unmap only the portal itself. */
static void accel_release(struct process *p)
{
	if (!p->pasid)
		return;
	accel_drain(p->pasid);
	if (portal_at(p, p->portal))
		vm_unmap(p->root, p->portal);
	pasid_free(p->pasid);
	p->pasid = 0;
	p->portal = 0;
}
