/*
 * The one permission check (mm/lookup.c) against the CPU's rules for a
 * user-mode access (SDM vol. 3A 5.6, 5.6.2, and the #PF error code of
 * 5.7): one page of each kind in a fresh address space, every access kind.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/lookup.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "mm/vm.h"

#define BASE		0x400000ul
#define PAGE(i)		(BASE + (i) * PAGE_SIZE)
#define KEY(k)		((uint64_t)(k) << PTE_PKEY_SHIFT)
#define AD(k)		(1u << (2 * (k)))
#define WD(k)		(2u << (2 * (k)))
#define U		X86_PF_USER
#define PROT		X86_PF_PROT

enum { RW, RO, RX, SUPER, KEYED, DEVICE, DEVICE_RO, NPAGES };

static uint64_t space(uint64_t pa[NPAGES])
{
	static const uint64_t flags[NPAGES] = {
		[RW] = PTE_U | PTE_W | PTE_NX, [RO] = PTE_U | PTE_NX, [RX] = PTE_U,
		[SUPER] = PTE_W | PTE_NX, [KEYED] = PTE_U | PTE_W | KEY(5),
		[DEVICE] = PTE_U | PTE_W | PTE_NX | PTE_DEVICE, [DEVICE_RO] = PTE_U | PTE_NX | PTE_DEVICE,
	};
	uint64_t root = uvm_create();
	for (int i = 0; i < NPAGES; i++) {
		pa[i] = pmm_alloc_zeroed();
		if (!root || !pa[i] || vm_map(root, PAGE(i), pa[i], flags[i]))
			return 0;
	}
	return root;
}

static void lookup_follows_the_cpu(struct ktest *t)
{
	uint64_t pa[NPAGES];
	uint64_t root = space(pa);
	KASSERT(t, root != 0);
	struct uvm_page pg;

	/* Present pages: the byte, through the direct map. */
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(RW) + 12, UVM_WRITE, 0, &pg), 0);
	KEXPECT(t, pg.kva == (uint8_t *)phys_to_virt(pa[RW]) + 12);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(RO), UVM_READ, 0, NULL), 0);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(RX), UVM_EXEC, 0, NULL), 0);

	/* Not present, or not a user address: no PROT bit. */
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(NPAGES), UVM_READ, 0, NULL), U);
	KEXPECT_EQ(t, uvm_lookup(root, USER_TOP, UVM_READ, 0, NULL), U);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(NPAGES), UVM_WRITE, 0, NULL), U | X86_PF_WRITE);

	/* Protection: a supervisor page, a write to read-only, a fetch from NX. */
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(SUPER), UVM_READ, 0, NULL), U | PROT);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(RO), UVM_WRITE, 0, NULL), U | PROT | X86_PF_WRITE);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(RW), UVM_EXEC, 0, NULL), U | PROT | X86_PF_INSTR);

	/* Keys: AD stops any data access, WD a write; a fetch never. */
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(KEYED), UVM_READ, AD(5), NULL), U | PROT | X86_PF_PK);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(KEYED), UVM_READ, WD(5), NULL), 0);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(KEYED), UVM_WRITE, WD(5), NULL),
		   U | PROT | X86_PF_PK | X86_PF_WRITE);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(KEYED), UVM_EXEC, AD(5) | WD(5), NULL), 0);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(KEYED), UVM_WRITE, AD(4) | WD(6), NULL), 0);

	/* A device page: never there for a plain access; the enqueue store
	 * obeys its logical W bit. */
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(DEVICE), UVM_READ, 0, NULL), U);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(DEVICE), UVM_WRITE, 0, NULL), U | X86_PF_WRITE);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(DEVICE), UVM_WRITE | UVM_PORTAL, 0, &pg), 0);
	KEXPECT(t, pg.pte & PTE_DEVICE);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(DEVICE_RO), UVM_WRITE | UVM_PORTAL, 0, NULL),
		   U | PROT | X86_PF_WRITE);

	/* The kernel through the direct map: present is enough. */
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(RO), UVM_KERNEL | UVM_WRITE, 0, NULL), 0);
	KEXPECT_EQ(t, uvm_lookup(root, PAGE(SUPER), UVM_KERNEL | UVM_WRITE, 0, NULL), 0);

	/* The device pages are not the address space's to free. */
	vm_unmap(root, PAGE(DEVICE));
	vm_unmap(root, PAGE(DEVICE_RO));
	uvm_destroy(root);
	pmm_free(pa[DEVICE]);
	pmm_free(pa[DEVICE_RO]);
}

KTEST_SUITE(lookup, KTEST_CASE(lookup_follows_the_cpu));
