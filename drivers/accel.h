/*
 * The accelerator: a software device modelled on Intel DSA, with one
 * shared work queue fed by ENQCMD (drivers/accel.c), and the PASIDs that
 * tell it whose address space a descriptor works in (mm/pasid.c).
 */
#pragma once
#include <stdint.h>
#include "uapi/kestrel_abi.h"	/* struct accel_desc, accel_completion */

struct process;

#define ACCEL_QUEUE_DEPTH	32
#define PASID_BITS		20
#define PASID_LIMIT		64		/* at most this many bound processes at once */
#define IA32_PASID_VALID	(1u << 31)	/* IA32_PASID bit 31: the PASID in 19:0 is valid */

#define ACCEL_MAX_SIZE (1u << 20)

/* drivers/accel.c */
void accel_init(void);
int accel_submit(const struct accel_desc *d);	/* 0, or -EAGAIN when the queue is full */
void accel_drain(uint32_t pasid);		/* wait until no descriptor carries pasid */
uint64_t accel_portal_phys(void);

/* mm/pasid.c */
long accel_bind(struct process *p);		/* the portal's user address, or -errno */
void accel_unbind(struct process *p);		/* at exit: drain, unmap, free the PASID */
struct process *pasid_owner(uint32_t pasid);
int pasid_alloc(struct process *p);		/* a PASID, or -ENOSPC */
void pasid_free(uint32_t pasid);
int pasid_in_use(void);
