/*
 * ENQCMD where the CPU lacks it.  Such a CPU raises #UD for F2 0F 38 F8;
 * the #UD handler recognises the instruction and does what the CPU would
 * (SDM vol. 2A ENQCMD):
 *   - IA32_PASID not valid: #GP(0), delivered into the very #GP handler a
 *     real CPU would reach (traps/gp.c), with no special case there;
 *   - destination not 64-byte aligned: #GP(0);
 *   - read the 64-byte command from the source operand, put the PASID in
 *     bits 19:0 and clear bit 31 (user privilege), and do the enqueue store
 *     to the destination: here only a portal of the bound device can take
 *     it; ZF = 0 if the device accepted it, ZF = 1 if its queue was full.
 */
#include "kernel/kernel.h"
#include "kernel/accel.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"
#include "kernel/x86.h"
#include "fpu/fpu.h"
#include "insn.h"
#include "traps.h"

#define RFLAGS_ZF (1ul << 6)

/* As many of the 15 bytes at rip as are readable (an instruction may end
 * just before an unmapped page). */
int fetch_user_insn(uint64_t rip, uint8_t *buf)
{
	if (copy_from_user(buf, (void *)rip, ENQCMD_MAX_LEN) == 0)
		return ENQCMD_MAX_LEN;
	int n = 0;
	while (n < ENQCMD_MAX_LEN && copy_from_user(buf + n, (void *)(rip + n), 1) == 0)
		n++;
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

bool enqcmd_emulate(struct trap_frame *tf)
{
	uint8_t bytes[ENQCMD_MAX_LEN];
	struct enqcmd_insn insn;
	struct task *t = current();

	if (cpu_has(X86_FEATURE_ENQCMD))
		return false;		/* a real #UD: the CPU knows ENQCMD */
	if (enqcmd_decode(bytes, (size_t)fetch_user_insn(tf->rip, bytes), &insn) != ENQCMD_DECODED)
		return false;

	uint64_t pasid = pasid_current_value();
	uint64_t gpr[16];
	enqcmd_gprs(tf, gpr);
	uint64_t dst = enqcmd_dst_addr(&insn, gpr);
	if (!(pasid & IA32_PASID_VALID) || dst % 64) {
		tf->vector = T_GP;	/* what the CPU would have raised */
		tf->error = 0;
		if (!(pasid & IA32_PASID_VALID))
			user_gp(tf);
		else
			process_fault(tf, SIGSEGV, "#GP on ENQCMD: destination not 64-byte aligned");
		return true;
	}

	/* The enqueue store goes to whatever the address maps now: it must be
	 * the device's portal page (the process may have unmapped it). */
	uint64_t *pte = dst < USER_TOP ? vm_walk(t->proc->root, dst, false) : NULL;
	if (!pte || !(*pte & PTE_DEVICE) || (*pte & PTE_ADDR) != accel_portal_phys())
		process_fault(tf, SIGSEGV, "ENQCMD to an address that is not the device's portal");
	uint64_t fs = t->fs_base, gs = rdmsr(MSR_KERNEL_GS_BASE);	/* the user's GS base */
	struct accel_desc d;
	uint64_t src = enqcmd_src_addr(&insn, gpr, tf->rip, fs, gs);
	if (copy_from_user(&d, (void *)src, sizeof(d))) {
		tf->vector = T_PF;
		process_fault(tf, SIGSEGV, "#PF reading ENQCMD's 64-byte command");
	}
	/* The first dword becomes the PASID, with bit 31 (privileged) and the
	 * reserved bits 30:20 zero: the command's own value is not used. */
	d.pasid = (uint32_t)(pasid & ((1u << PASID_BITS) - 1));
	if (accel_submit(&d) == 0)
		tf->rflags &= ~RFLAGS_ZF;
	else
		tf->rflags |= RFLAGS_ZF;
	tf->rip += insn.length;
	return true;
}
