/*
 * ENQCMD where the CPU lacks it.  Such a CPU raises #UD for F2 0F 38 F8;
 * the #UD handler recognises the instruction and does what the CPU would
 * (SDM vol. 2A ENQCMD), raising each exception the instruction can raise
 * through the path the CPU's own would take (trap_dispatch):
 *   - IA32_PASID not valid: #GP(0), into the #GP handler a real CPU would
 *     reach (traps/gp.c), with the instruction already decoded;
 *   - destination not 64-byte aligned or not canonical: #GP(0);
 *   - read the 64-byte command from the source operand (an ordinary user
 *     load: #PF as any load would), put the PASID in bits 19:0 and clear
 *     bit 31 (user privilege);
 *   - the enqueue store to the destination: #PF as any user store would,
 *     under the page's protection and PKRU; only a portal of the bound
 *     device can take it; ZF = 0 if the device accepted it, ZF = 1 if its
 *     queue was full, and CF, PF, AF, SF, OF cleared ("Flags Affected");
 *   - then, as after any instruction, the single-step trap if RFLAGS.TF
 *     was set when it began (SDM vol. 3A 18.3.1.4).
 */
#include "kernel/kernel.h"
#include "drivers/accel.h"
#include "mm/pasid.h"
#include "cpu/cpu.h"
#include "mm/mm.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "mm/uaccess.h"
#include "cpu/x86.h"
#include "fpu/fpu.h"
#include "cpu/frame.h"
#include "traps/traps.h"
#include "mm/vm.h"
#include "traps/gp.h"
#include "traps/enqcmd.h"
#include "lib/string.h"
#include "lib/enqcmd_decode.h"
#include "mm/lookup.h"

/* #PF error code bits (SDM vol. 3A 4.7). */

#define DR6_BS	(1ul << 14)	/* single-step (SDM vol. 3A 18.2.3) */

/*
 * As many of the 15 bytes at rip as the CPU could fetch.  An instruction
 * fetch obeys the page's execute permission and not PKRU (SDM vol. 3A
 * 4.6.2: protection keys apply to data accesses only), so this reads
 * through the page tables and the direct map, page by page, requiring
 * present, user and not NX, instead of copy_from_user, which is a data
 * read under PKRU and SMAP.  It stops where the CPU could fetch no more
 * (an instruction may end just before an unmapped page).
 */
int fetch_user_insn(uint64_t rip, uint8_t *buf)
{
	uint64_t root = current()->proc->root;
	int n = 0;
	while (n < ENQCMD_MAX_LEN) {
		uint64_t va = rip + (uint64_t)n;
		struct uvm_page pg;
		if (uvm_lookup(root, va, UVM_EXEC, 0, &pg))
			break;
		int chunk = (int)MIN((uint64_t)(ENQCMD_MAX_LEN - n), PAGE_SIZE - va % PAGE_SIZE);
		memcpy(buf + n, pg.kva, (size_t)chunk);
		n += chunk;
	}
	return n;
}

/* The trap frame's registers in the CPU's encoding order (rax=0 ... r15=15). */
void enqcmd_gprs(const struct trap_frame *tf, uint64_t gpr[16])
{
	const uint64_t regs[16] = {
		tf->rax, tf->rcx, tf->rdx, tf->rbx, tf->rsp, tf->rbp, tf->rsi, tf->rdi,
		tf->r8, tf->r9, tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15,
	};
	memcpy(gpr, regs, sizeof(regs));
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/*
 * 0 if a user data access to va may go ahead, else the #PF error code the
 * CPU would report.  The registers hold this task's PKRU: a trap from user
 * mode finds its state live.  Only the enqueue store reaches a device
 * page, whose U and W bits are then its protection (mm/lookup.c).
 */
static uint32_t user_access_fault(uint64_t va, bool write, struct uvm_page *pg)
{
	uint32_t pkru = read_cr4() & CR4_PKE ? rdpkru() : 0;
	return uvm_lookup(current()->proc->root, va, write ? UVM_WRITE | UVM_PORTAL : UVM_READ, pkru, pg);
}

/* Raise #PF at addr as the CPU would: CR2, the error code, the usual path. */
static void raise_pf(struct trap_frame *tf, uint64_t addr, uint32_t err)
{
	write_cr2(addr);
	tf->vector = T_PF;
	tf->error = err;
	trap_dispatch(tf);
}

/* Read ENQCMD's 64-byte command: an ordinary user load of [src, src+64). */
static bool read_source(struct trap_frame *tf, uint64_t src, struct accel_desc *d)
{
	if (copy_from_user(d, (void *)src, sizeof(*d)) == 0)
		return true;
	/* Which byte the CPU would fault on: the first one, or the first of
	 * the next page (64 bytes span at most two). */
	uint64_t last = src + sizeof(*d) - 1;
	uint64_t bad = user_access_fault(src, false, NULL) || last < src ? src : ALIGN_DOWN(last, PAGE_SIZE);
	if (!canonical(bad) || !canonical(last)) {
		user_gp_fault(tf, "#GP on ENQCMD: source address not canonical");
		return false;
	}
	uint32_t err = user_access_fault(bad, false, NULL);
	raise_pf(tf, bad, err ? err : X86_PF_USER);
	return false;
}

/* The single-step trap after a completed instruction: a trap-class #DB
 * with DR6.BS set and RIP at the next instruction, as the CPU delivers it. */
static void raise_single_step(struct trap_frame *tf)
{
	uint64_t dr6;
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	asm volatile("mov %0, %%dr6" :: "r"(dr6 | DR6_BS));
	tf->vector = T_DB;
	tf->error = 0;
	trap_dispatch(tf);
}

bool enqcmd_emulate(struct trap_frame *tf)
{
	uint8_t bytes[ENQCMD_MAX_LEN];
	struct enqcmd_insn insn;
	struct task *t = current();

	if (cpu_has(X86_FEATURE_ENQCMD))
		return false;		/* a real #UD: the CPU knows ENQCMD */
	/* The one fetch and decode of this trap: the #GP below shares it. */
	if (enqcmd_decode(bytes, (size_t)fetch_user_insn(tf->rip, bytes), &insn) != ENQCMD_DECODED)
		return false;
	bool single_step = tf->rflags & RFLAGS_TF;

	uint64_t pasid = pasid_current_value();
	if (!(pasid & IA32_PASID_VALID)) {
		tf->vector = T_GP;	/* what the CPU would have raised */
		tf->error = 0;
		enqcmd_gp(tf);		/* a fault: RIP stays, no single-step trap */
		return true;
	}
	uint64_t gpr[16];
	enqcmd_gprs(tf, gpr);
	uint64_t dst = enqcmd_dst_addr(&insn, gpr);
	if (dst % 64 || !canonical(dst)) {
		user_gp_fault(tf, dst % 64 ? "#GP on ENQCMD: destination not 64-byte aligned"
					   : "#GP on ENQCMD: destination not canonical");
		return true;
	}

	struct accel_desc d;
	uint64_t src = enqcmd_src_addr(&insn, gpr, tf->rip, task_user_fs_base(t), task_user_gs_base(t));
	if (!read_source(tf, src, &d))
		return true;

	/* The enqueue store goes to whatever the address maps now, under its
	 * protection now; only the device's portal can take it. */
	struct uvm_page portal;
	uint32_t err = user_access_fault(dst, true, &portal);
	if (err) {
		raise_pf(tf, dst, err);
		return true;
	}
	if (!(portal.pte & PTE_DEVICE) || (portal.pte & PTE_ADDR) != accel_portal_phys()) {
		user_gp_fault(tf, "#GP on ENQCMD: the address is not the device's portal");
		return true;
	}

	/* The first dword becomes the PASID, with bit 31 (privileged) and the
	 * reserved bits 30:20 zero: the command's own value is not used. */
	d.pasid = (uint32_t)(pasid & ((1u << PASID_BITS) - 1));
	tf->rflags &= ~(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
	if (accel_submit(&d) != 0)
		tf->rflags |= RFLAGS_ZF;	/* the device's queue is full: retry */
	tf->rip += insn.length;
	if (single_step)
		raise_single_step(tf);
	return true;
}
