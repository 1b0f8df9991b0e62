/* PASIDs: names for address spaces, handed out to devices (mm/pasid.c). */
#pragma once
#include <stdint.h>

struct process;

#define PASID_BITS		20		/* the PASID field of IA32_PASID and of a descriptor */
#define PASID_LIMIT		64		/* at most this many bound processes at once */
#define IA32_PASID_VALID	(1u << 31)	/* IA32_PASID bit 31: the PASID in 19:0 is valid */

int pasid_alloc(struct process *p);		/* a PASID, or -ENOSPC */
void pasid_free(uint32_t pasid);
struct process *pasid_owner(uint32_t pasid);	/* NULL if not allocated */
int pasid_in_use(void);
