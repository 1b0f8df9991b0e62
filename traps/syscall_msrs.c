/*
 * The SYSCALL MSRs: where SYSCALL enters the kernel (traps/syscall.asm),
 * with which selectors, and which RFLAGS bits it clears on the way in.
 */
#include "kernel/kernel.h"
#include "cpu/frame.h"
#include "traps/traps.h"
#include "cpu/x86.h"

/*
 * The RFLAGS bits SYSCALL clears (IA32_FMASK): all the flags there are, as
 * Linux's MSR_SYSCALL_MASK (arch/x86/kernel/cpu/common.c), so nothing the
 * user set survives into ring 0 (SYSRET gives the user's RFLAGS back from
 * R11).  IF: no interrupt before the stack switch.  TF: no single-step
 * trap in the kernel.  DF: the ABI.  AC: SMAP stays on.  NT: the kernel's
 * next IRETQ would be a #GP (SDM vol. 2A IRET, IA-32e mode).  IOPL, RF,
 * ID and the arithmetic flags: no reason to keep them.  SDM vol. 1 3.4.3.
 */
#define SYSCALL_FMASK \
	((1u << 0) | (1u << 2) | (1u << 4) | (1u << 6) | (1u << 7) |	/* CF PF AF ZF SF */ \
	 (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11) |		/* TF IF DF OF */ \
	 (3u << 12) | (1u << 14) | (1u << 16) | (1u << 18) | (1u << 21))	/* IOPL NT RF AC ID */

/* STAR: kernel CS for SYSCALL in 47:32; for SYSRET, base 63:48 (cpu/gdt.c). */
void syscall_init(void)
{
	extern char syscall_entry[], syscall_compat_entry[];
	wrmsr(MSR_STAR, ((uint64_t)USER_CS32 << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/*
	 * SYSCALL from compatibility mode enters at IA32_CSTAR (AMD; Intel
	 * CPUs raise #UD instead, SDM vol. 2B SYSCALL).  Left at 0 it would
	 * run ring 0 at address 0; it goes where the call is refused.
	 */
	wrmsr(MSR_CSTAR, (uint64_t)syscall_compat_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
	/*
	 * No SYSENTER: with IA32_SYSENTER_CS = 0 it is a #GP(0) in ring 3
	 * (SDM vol. 2B SYSENTER), the task's own fault.  AMD CPUs make it #UD
	 * in long mode anyway.  Firmware may have left something here.
	 */
	wrmsr(MSR_SYSENTER_CS, 0);
	wrmsr(MSR_SYSENTER_ESP, 0);
	wrmsr(MSR_SYSENTER_EIP, 0);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
