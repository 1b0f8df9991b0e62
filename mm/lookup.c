/*
 * The one page-table lookup with permission checks.  Every place that must
 * know whether a user-mode access would succeed asks here: the ENQCMD
 * emulation (its fetch, its source read and its enqueue store), the
 * device's shared-virtual-address accesses, futex keys, and user copies
 * that check before they write.  The rules are the CPU's for a CPL 3
 * access with 4 KiB pages (SDM vol. 3A 5.6 "Access rights", 5.6.2
 * "Protection keys"):
 *   - not present: #PF without PROT;
 *   - U clear (a supervisor page), a write to a page with W clear, or a
 *     fetch from an NX page: #PF with PROT;
 *   - a data access to a user page whose PKRU key forbids it (AD for any
 *     access, WD for a write): #PF with PROT and PK.  Instruction fetches
 *     are never checked against PKRU.
 * A device page (PTE_DEVICE) is never present (mm/vm.c): only ENQCMD's
 * store (UVM_PORTAL) reaches it, with its U and W bits as its protection.
 */
#include "kernel/kernel.h"
#include "mm/lookup.h"
#include "mm/mm.h"
#include "mm/vm.h"

uint32_t uvm_lookup(uint64_t root, uint64_t va, unsigned how, uint32_t pkru, struct uvm_page *out)
{
	bool write = how & UVM_WRITE, fetch = how & UVM_EXEC;
	uint32_t err = X86_PF_USER | (write ? X86_PF_WRITE : 0) | (fetch ? X86_PF_INSTR : 0);
	uint64_t *pte = va < USER_TOP ? vm_walk(root, va, false) : NULL;
	uint64_t e = pte ? *pte : 0;
	bool present = (e & PTE_DEVICE) ? (how & UVM_PORTAL) && (e & PTE_U) && write : (e & PTE_P);
	if (!present)
		return err;
	if (!(how & UVM_KERNEL)) {
		if (!(e & PTE_U) || (write && !(e & PTE_W)) || (fetch && (e & PTE_NX)))
			return err | X86_PF_PROT;
		unsigned rights = pkru >> (2 * ((e & PTE_PKEY) >> PTE_PKEY_SHIFT)) & 3;	/* AD, WD */
		if (!fetch && ((rights & 1) || (write && (rights & 2))))
			return err | X86_PF_PROT | X86_PF_PK;
	}
	if (out)
		*out = (struct uvm_page){ e, (uint8_t *)phys_to_virt(e & PTE_ADDR) + va % PAGE_SIZE };
	return 0;
}
