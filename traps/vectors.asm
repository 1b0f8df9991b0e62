; The 256 interrupt entry points.  Each stub makes the stack look the same
; (a zero error code where the CPU pushes none, then the vector number),
; and jumps to trap_common, which saves the general registers to complete
; struct trap_frame (traps/traps.h) and calls trap_dispatch(frame).

%include "traps/frame.inc"

extern trap_dispatch
extern exit_to_user_mode
global trap_return
global return_to_user
global vector_table

section .text

; Vectors for which the CPU pushes an error code (SDM vol. 3A table 7-1):
; #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
%macro VECTOR 1
align 16
vector_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
    push 0
%endif
    push %1
    jmp trap_common
%endmacro

%assign i 0
%rep 256
    VECTOR i
%assign i i+1
%endrep


trap_common:
    ; Coming from user mode, GS still holds the user's base: SWAPGS puts
    ; the kernel's per-CPU base in place (and back on the way out).
    test qword [rsp + TF_CS - TF_VECTOR], 3
    jz .kernel
    swapgs
    PUSH_REGS
    ; An interrupt gate clears IF, TF, NT and RF, but not AC or DF (SDM vol.
    ; 3A 7.12.1.3): a user's AC would switch SMAP off for the whole kernel
    ; path, as its DF would reverse every string copy.  Start from a clean
    ; RFLAGS (bit 1 is always set), as Linux's entry does with CLAC and
    ; CLD; CLAC itself is #UD without SMAP.
    push 2
    popfq
    ; From ring 3 the CPU switched to TSS.RSP0, the top of the task's
    ; kernel stack, unless the gate names an IST stack (#DB, NMI, #DF,
    ; #MC): then the frame is on a stack shared by every task, and the
    ; task could sleep on it (exit_to_user_mode, a fatal fault) while the
    ; next IST trap overwrites it.  As Linux's sync_regs: copy the frame to
    ; where RSP0 would have put it, and go on there.  The task was in user
    ; mode, so nothing else is on its kernel stack.  Not a #DF: it panics,
    ; and stays on its own stack, in case the kernel stack is what failed.
    cmp qword [rsp + TF_VECTOR], 8
    je .frame_ready
    mov rdi, [gs:CPU_KERNEL_RSP]
    sub rdi, TF_SIZE
    cmp rdi, rsp
    je .frame_ready
    mov rsi, rsp
    mov rsp, rdi
    mov ecx, TF_SIZE / 8
    rep movsq
    jmp .frame_ready
.kernel:
    PUSH_REGS
.frame_ready:
    ; A clean RFLAGS for C: DF clear (the SysV ABI), and AC clear, so an
    ; interrupt that arrives inside copy_from_user's STAC..CLAC window does
    ; not run its handler with SMAP switched off.  (IF is already clear: an
    ; interrupt gate; TF, NT and RF too, SDM vol. 3A 7.12.1.)  IRETQ
    ; restores the interrupted code's RFLAGS.
    push 2                      ; bit 1 is always set
    popfq
    mov rdi, rsp
    ; Make the saved RIP look like a return address, so backtraces walk
    ; from C through the trap into the interrupted code.
    push qword [rsp + TF_RIP]   ; frame->rip
    push rbp
    mov rbp, rsp
    call trap_dispatch
    add rsp, 16

; Every way back to user mode runs exit_to_user_mode(frame) first, with
; RSP at the frame: rescheduling, the deferred FPU restore, killing.
trap_return:
    test qword [rsp + TF_CS], 3
    jz .restore
    mov rdi, rsp
    call exit_to_user_mode          ; returns with interrupts off
.restore:
    POP_REGS
    test qword [rsp + TF_CS - TF_VECTOR], 3
    jz .to_kernel
    swapgs
.to_kernel:
    add rsp, 16                 ; vector and error code
    iretq

; return_to_user(frame): a new user task's first exit, from its own stack.
return_to_user:
    mov rsp, rdi
    jmp trap_return

section .rodata
align 8
vector_table:
%assign i 0
%rep 256
    dq vector_ %+ i
%assign i i+1
%endrep
