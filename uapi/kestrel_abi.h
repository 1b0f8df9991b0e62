/*
 * Kestrel's system-call ABI: the numbers of Kestrel's own calls and the
 * structures they pass, shared word for word by the kernel and by user
 * programs (as Linux's uapi headers are).  No libc here: the kernel
 * includes it too.  Programs include user/kestrel.h, which wraps the calls.
 *
 * Everything else a Kestrel program calls is a Linux x86-64 system call
 * with Linux's number and meaning, so musl works unchanged.  Kestrel's own
 * calls must never collide with a Linux number, present or future: Linux
 * counts up from 0 (a few hundred today) and the x32 ABI marks its calls
 * with bit 30; bit 29 is used by neither, so Kestrel's are 0x20000000 + n.
 */
#ifndef KESTREL_ABI_H
#define KESTREL_ABI_H

#include <stdint.h>

#define KSYS_BASE		0x20000000
#define KSYS_spawn		(KSYS_BASE + 0)
#define KSYS_progs		(KSYS_BASE + 1)
#define KSYS_free_pages		(KSYS_BASE + 2)
#define KSYS_fpustat		(KSYS_BASE + 3)
#define KSYS_fpuinfo		(KSYS_BASE + 4)
#define KSYS_xstate_get		(KSYS_BASE + 5)
#define KSYS_xstate_set		(KSYS_BASE + 6)
#define KSYS_fpu_selftest	(KSYS_BASE + 7)
/* kestrel_fpu_selftest(feature, value, op): op 0 yields, then edits the
 * feature; op KSELFTEST_KERNEL_FPU uses the FPU in the kernel instead. */
#define KSELFTEST_KERNEL_FPU 1
#define KSYS_accel_bind		(KSYS_BASE + 8)

/* One user task's extended-state counters, as the fpustat program prints them. */
struct kestrel_fpustat {
	int tid, pid;
	char name[16];
	unsigned long long saves;		/* XSAVE* at switch-out */
	unsigned long long restores;		/* XRSTOR* on the way back to user mode */
	unsigned long long restores_skipped;	/* registers still valid: no XRSTOR */
	unsigned int pasid_fixups;		/* #GP on ENQCMD that installed the PASID */
	unsigned int flags;			/* KESTREL_FPU_* */
};
#define KESTREL_FPU_PASID_ACTIVE	1	/* this thread's IA32_PASID is valid */
#define KESTREL_FPU_REGS_LIVE		2	/* its state is in the registers now */
#define KESTREL_FPU_NEED_LOAD		4	/* TIF_NEED_FPU_LOAD is set */

/* How this CPU's extended state is kept. */
struct kestrel_fpuinfo {
	char strategy[16];			/* "xsaves", "xsavec", "xsaveopt", "xsave", "fxsave" */
	unsigned int size;			/* bytes per task buffer, in the kernel's format */
	unsigned int std_size;			/* bytes of the standard-format image (xstate_get) */
	unsigned long long xfeatures;		/* every feature in a buffer */
	unsigned long long xcr0, xss;		/* user features, supervisor features */
	unsigned int compacted, pasid_emulated;
	unsigned long long saves, restores, restores_skipped;	/* totals since boot */
};

/* ---- the accelerator (docs/pasid.md): layouts modelled on Intel DSA's ---- */

enum { ACCEL_NOOP = 0x00, ACCEL_MEMMOVE = 0x03, ACCEL_FILL = 0x04, ACCEL_COMPARE = 0x05 };

/* A 64-byte descriptor (DSA spec 8.1). */
struct accel_desc {
	uint32_t pasid;		/* 19:0 PASID, 31 privileged: written by ENQCMD itself */
	uint32_t flags_op;	/* 23:0 flags, 31:24 opcode */
	uint64_t completion;	/* address of a struct accel_completion, 32-byte aligned */
	uint64_t src;		/* source; FILL: the 8-byte pattern */
	uint64_t dst;		/* destination; COMPARE: the second source */
	uint32_t size;		/* bytes */
	uint32_t reserved[7];
} __attribute__((aligned(64)));

/* The 32-byte completion record the device writes (DSA spec 8.2). */
struct accel_completion {
	volatile uint8_t status;	/* ACCEL_STATUS_*; 0 until the device is done */
	uint8_t result;			/* COMPARE: 0 equal, 1 different */
	uint16_t reserved;
	uint32_t bytes_completed;
	uint64_t fault_addr;		/* ACCEL_STATUS_PAGE_FAULT: the address that failed */
	uint64_t reserved2[2];
} __attribute__((aligned(32)));

enum {
	ACCEL_STATUS_SUCCESS = 0x01,
	ACCEL_STATUS_PAGE_FAULT = 0x03,
	ACCEL_STATUS_BAD_OPCODE = 0x10,
	ACCEL_STATUS_BAD_SIZE = 0x13,
};

#endif
