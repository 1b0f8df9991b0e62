/*
 * PASIDs (process address-space IDs): the tag a device uses to find the
 * address space a descriptor's addresses belong to.  Binding a process to
 * the accelerator gives it one PASID, shared by all its threads, for as
 * long as its address space lives; each thread's IA32_PASID stays invalid
 * until its first ENQCMD faults (traps/gp.c).
 */
#include "kernel.h"
#include "accel.h"
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "x86.h"

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

/* The portal page is the device's, shared by every bound process: mapped
 * uncached (PCD|PWT, as device registers are), never freed with them, and
 * read-only, since only (emulated) ENQCMD may write to it: a plain store
 * would otherwise reach every other bound process. */
long accel_bind(struct process *p)
{
	if (p->pasid)
		return (long)p->portal;
	int pasid = pasid_alloc(p);
	if (pasid < 0)
		return pasid;
	uint64_t va = uvm_find_free(p->root, 1, MMAP_FLOOR(p));
	if (!va || vm_map(p->root, va, accel_portal_phys(),
		   PTE_U | PTE_PCD | PTE_PWT | PTE_NX | PTE_DEVICE)) {
		pasid_free((uint32_t)pasid);
		return -ENOMEM;
	}
	p->pasid = (uint32_t)pasid;
	p->portal = va;
	kprintf("accel: %s[%d] bound: PASID %d, portal at %lx\n", p->name, p->pid, pasid, va);
	return (long)va;
}

void accel_unbind(struct process *p)
{
	if (!p->pasid)
		return;
	accel_drain(p->pasid);
	vm_unmap(p->root, p->portal);
	pasid_free(p->pasid);
	p->pasid = 0;
	p->portal = 0;
}
