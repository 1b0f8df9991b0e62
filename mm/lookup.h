/* The one page-table lookup with a user access's permission checks (mm/lookup.c). */
#pragma once
#include <stdint.h>

/* #PF error code bits (SDM vol. 3A 5.7, Figure 5-12), as Linux's X86_PF_*. */
#define X86_PF_PROT	(1u << 0)	/* a protection violation, not a missing page */
#define X86_PF_WRITE	(1u << 1)
#define X86_PF_USER	(1u << 2)
#define X86_PF_INSTR	(1u << 4)
#define X86_PF_PK	(1u << 5)

/* How the page is reached. */
#define UVM_READ	0
#define UVM_WRITE	(1u << 0)	/* a data write */
#define UVM_EXEC	(1u << 1)	/* an instruction fetch: NX applies, PKRU never does */
#define UVM_KERNEL	(1u << 2)	/* the kernel through the direct map: present is enough */
#define UVM_PORTAL	(1u << 3)	/* ENQCMD's enqueue store: a device page's U/W bits count */

struct uvm_page {
	uint64_t pte;			/* the 4 KiB entry */
	void *kva;			/* va's byte, through the direct map */
};

/*
 * 0 if a user-mode access of this kind to va in the address space root may
 * go ahead (out then says where the byte is), else the #PF error code the
 * CPU would report.  pkru: the PKRU value whose rights apply to a data
 * access to a user page (0: all allowed, as for a device's access).
 */
uint32_t uvm_lookup(uint64_t root, uint64_t va, unsigned how, uint32_t pkru, struct uvm_page *out);
