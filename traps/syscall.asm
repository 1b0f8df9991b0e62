; The SYSCALL entry point (IA32_LSTAR).  SYSCALL (SDM vol. 2B) leaves the
; user RIP in RCX and RFLAGS in R11, clears the RFLAGS bits in IA32_FMASK
; (IF among them, so no interrupt arrives before we have a stack), and
; does not switch stacks: RSP is still the user's.  So: SWAPGS to reach
; the per-CPU area, stash the user RSP, load the kernel stack, and build
; the same struct trap_frame an interrupt builds, so the rest of the kernel
; sees one layout.

; USER_DS, USER_CS, USER_CS32 (with RPL 3) and USER_TASK_SIZE come from C
; (kernel/asm-offsets.c, through frame.inc).
%include "traps/frame.inc"

RFLAGS_TF       equ 1 << 8
RFLAGS_RF       equ 1 << 16

extern syscall_dispatch
extern syscall_compat_dispatch
extern exit_to_user_mode
extern trap_return
global syscall_entry
global syscall_compat_entry

; The state SYSCALL leaves (user RSP, RIP in RCX, RFLAGS in R11) made into
; the one struct trap_frame on the per-CPU kernel stack, never touching the
; user's stack.  %1: the CS the caller ran in.
%macro SYSCALL_FRAME 1
    swapgs
    mov [gs:CPU_USER_RSP], rsp
    mov rsp, [gs:CPU_KERNEL_RSP]
    push USER_DS                        ; ss
    push qword [gs:CPU_USER_RSP]        ; rsp
    push r11                            ; rflags
    push %1                             ; cs
    push rcx                            ; rip
    push rax                            ; error: the call's number, for a restart
    push T_SYSCALL                      ; vector: marks a system call's frame
    PUSH_REGS
%endmacro

section .text
syscall_entry:
    SYSCALL_FRAME USER_CS
    xor ebp, ebp                        ; backtraces stop here
    mov rdi, rsp
    call syscall_dispatch               ; result goes into frame->rax
    mov rdi, rsp
    call exit_to_user_mode              ; returns with interrupts off

    ; SYSRET reloads RIP from RCX and RFLAGS from R11.  If the kernel changed
    ; the frame so that they disagree (a new thread, a signal-like redirect),
    ; or RIP is not canonical (SYSRET would #GP in ring 0 on Intel CPUs: the
    ; 2012 "SYSRET vulnerability"), leave through IRETQ instead.
    ; And with TF or RF set: SYSRET cannot restore RF, and a TF it restores
    ; traps at once, before the next user instruction, where IRETQ's traps
    ; after it (Linux's opportunistic-SYSRET conditions).
    mov rcx, [rsp + TF_RIP]
    mov r11, [rsp + TF_RFLAGS]
    test r11, RFLAGS_TF | RFLAGS_RF
    jnz .iret
    cmp rcx, [rsp + TF_RCX]
    jne .iret
    cmp r11, [rsp + TF_R11]
    jne .iret
    mov rax, USER_TASK_SIZE
    cmp rcx, rax
    jae .iret

    POP_REGS
    mov rsp, [rsp + 5 * 8]              ; frame->rsp (past vector, error, rip, cs, rflags)
    swapgs
    o64 sysret

.iret:
    POP_REGS
    add rsp, 16
    swapgs
    iretq

; IA32_CSTAR: SYSCALL from the 32-bit code segment (AMD CPUs only; Intel
; ones raise #UD).  The same state as at syscall_entry, RSP the user's, so
; the same first steps, never touching the user's stack, and the same
; frame, with the caller's CS.  syscall_compat_dispatch answers -ENOSYS.
; Back through trap_return's IRETQ: SYSRETQ would return to 64-bit mode,
; and IRETQ restores CS exactly.
syscall_compat_entry:
    SYSCALL_FRAME USER_CS32
    xor ebp, ebp
    mov rdi, rsp
    call syscall_compat_dispatch
    jmp trap_return                     ; exit_to_user_mode, then IRETQ
