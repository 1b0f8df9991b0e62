/*
 * PASIDs (process address-space IDs): the tag a device uses to find the
 * address space a descriptor's addresses belong to.  Binding a process to
 * the accelerator gives it one PASID, shared by all its threads, for as
 * long as its address space lives; each thread's IA32_PASID stays invalid
 * until its first ENQCMD faults (traps/gp.c).
 */
#include "kernel/kernel.h"
#include "drivers/accel.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "cpu/x86.h"
#include "mm/uvm.h"
#include "mm/vm.h"
#include "lib/printf.h"

/*
 * PASID 0 is reserved (it means "no PASID" to DSA and the IOMMU).  IDs are
 * handed out round robin from the 20-bit space, so an ID is not reused
 * soon after it is freed, and a freed ID never while a descriptor that
 * carries it is in flight (accel_unbind drains first).
 */
static struct { uint32_t pasid; struct process *p; } table[PASID_LIMIT];
static uint32_t next_pasid = 1;

int pasid_alloc(struct process *p)
{
	for (int i = 0; i < PASID_LIMIT; i++) {
		if (table[i].pasid)
			continue;
		uint32_t id;
		do {	/* after the counter wraps, skip IDs still bound */
			id = next_pasid;
			next_pasid = next_pasid + 1 < (1u << PASID_BITS) ? next_pasid + 1 : 1;
		} while (pasid_owner(id));
		table[i].pasid = id;
		table[i].p = p;
		return (int)id;
	}
	return -ENOSPC;
}

void pasid_free(uint32_t pasid)
{
	for (int i = 0; i < PASID_LIMIT; i++)
		if (table[i].pasid == pasid)
			table[i] = (typeof(table[i])){ 0, NULL };
}

struct process *pasid_owner(uint32_t pasid)
{
	for (int i = 0; i < PASID_LIMIT; i++)
		if (pasid && table[i].pasid == pasid)
			return table[i].p;
	return NULL;
}

int pasid_in_use(void)
{
	int n = 0;
	for (int i = 0; i < PASID_LIMIT; i++)
		n += table[i].pasid != 0;
	return n;
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

/* At exit, before the address space goes.  Whatever the program mapped
 * over the portal is its own and uvm_destroy frees it: unmap only the
 * portal itself. */
void accel_unbind(struct process *p)
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
