/*
 * PASIDs (process address-space IDs): the tag a device uses to find the
 * address space a descriptor's addresses belong to.  A PASID names an
 * address space; this file only hands the names out and looks them up.
 * Binding a process to a device (drivers/accel.c) takes one, shared by all
 * the process's threads, for as long as its address space lives; each
 * thread's IA32_PASID stays invalid until its first ENQCMD faults
 * (traps/gp.c).
 */
#include "kernel/kernel.h"
#include "mm/pasid.h"
#include "uapi/errno.h"

/*
 * PASID 0 is reserved (it means "no PASID" to DSA and the IOMMU).  IDs are
 * handed out round robin from the 20-bit space, so an ID is not reused
 * soon after it is freed, and a freed ID never while a descriptor that
 * carries it is in flight (the device drains it before it is freed).
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
