/*
 * The accelerator: a software device modelled on Intel DSA, with one
 * shared work queue fed by ENQCMD (kernel/accel.c), and the PASIDs that
 * tell it whose address space a descriptor works in (kernel/pasid.c).
 */
#pragma once
#include <stdint.h>

struct process;

#define ACCEL_QUEUE_DEPTH	32
#define PASID_BITS		20
#define PASID_LIMIT		64		/* at most this many bound processes at once */
#define IA32_PASID_VALID	(1u << 31)	/* IA32_PASID bit 31: the PASID in 19:0 is valid */

/* A 64-byte descriptor, laid out as DSA's (DSA spec 8.1). */
struct accel_desc {
	uint32_t pasid;		/* 19:0 PASID, 31 privileged: written by ENQCMD itself */
	uint32_t flags_op;	/* 23:0 flags, 31:24 opcode */
	uint64_t completion;	/* user address of a 32-byte completion record */
	uint64_t src;		/* source; FILL: the 8-byte pattern */
	uint64_t dst;		/* destination; COMPARE: the second source */
	uint32_t size;		/* bytes */
	uint32_t reserved[7];
};

enum { ACCEL_NOOP = 0x00, ACCEL_MEMMOVE = 0x03, ACCEL_FILL = 0x04, ACCEL_COMPARE = 0x05 };

/* The 32-byte completion record the device writes (DSA spec 8.2). */
struct accel_completion {
	uint8_t status;		/* ACCEL_STATUS_*; 0 until the device is done */
	uint8_t result;		/* COMPARE: 0 equal, 1 different */
	uint16_t reserved;
	uint32_t bytes_completed;
	uint64_t fault_addr;	/* ACCEL_STATUS_PAGE_FAULT: the address that failed */
	uint64_t reserved2[2];
};

enum {
	ACCEL_STATUS_SUCCESS = 0x01,
	ACCEL_STATUS_PAGE_FAULT = 0x03,
	ACCEL_STATUS_BAD_OPCODE = 0x10,
	ACCEL_STATUS_BAD_SIZE = 0x13,
};
#define ACCEL_MAX_SIZE (1u << 20)

/* kernel/accel.c */
void accel_init(void);
int accel_submit(const struct accel_desc *d);	/* 0, or -EAGAIN when the queue is full */
void accel_drain(uint32_t pasid);		/* wait until no descriptor carries pasid */
uint64_t accel_portal_phys(void);

/* kernel/pasid.c */
long accel_bind(struct process *p);		/* the portal's user address, or -errno */
void accel_unbind(struct process *p);		/* at exit: drain, unmap, free the PASID */
struct process *pasid_owner(uint32_t pasid);
int pasid_alloc(struct process *p);		/* a PASID, or -ENOSPC */
void pasid_free(uint32_t pasid);
int pasid_in_use(void);
