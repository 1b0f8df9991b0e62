/*
 * The accelerator: a software device modelled on Intel DSA, with one
 * shared work queue fed by ENQCMD (drivers/accel.c).  Its descriptors
 * carry PASIDs (mm/pasid.h) that say whose address space they work in.
 */
#pragma once
#include <stdint.h>
#include "uapi/kestrel_abi.h"	/* struct accel_desc, accel_completion */

struct process;

#define ACCEL_QUEUE_DEPTH	32

#define ACCEL_MAX_SIZE (1u << 20)

void accel_init(void);
int accel_submit(const struct accel_desc *d);	/* 0, or -EAGAIN when the queue is full */
void accel_drain(uint32_t pasid);		/* wait until no descriptor carries pasid */
uint64_t accel_portal_phys(void);

long accel_bind(struct process *p);		/* the portal's user address, or -errno */
