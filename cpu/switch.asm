; switch_to(prev, next): stop running prev's kernel code and resume next's.
;
; This is the whole context switch.  Everything a task was doing is on its
; kernel stack (its user registers in a trap frame, the C frames above), so
; switching stacks switches tasks.  The C calling convention lets us save
; only the callee-saved registers: the compiler already assumes the caller-
; saved ones (rax, rcx, rdx, rsi, rdi, r8-r11) are destroyed by this call.
; RFLAGS is saved too, per task, as Linux's __switch_to_asm does since
; commit 6690e86be83a: the C convention does not cover it, and a flag one
; task had in the kernel (AC inside a STAC window, NT, DF) must not go on
; with another.  Extended state (x87/SSE/AVX) is not touched here: fpu/
; saves it before the call and restores it, lazily, on the way back to
; user mode.
;
; The user's segment selectors are switch_arch's (kernel/switch.c), in C,
; where a reload that faults can be fixed up.
;
; The frame switch_to leaves on a stack it switches away from, which
; task_new (kernel/task.c) fakes for a new task, from the top:
;   return address, rbp, rbx, r12, r13, r14, r15, rflags
; with saved_rsp pointing at rflags.
;
; Returns prev, as seen from next's side of the switch: the task we just
; left, which next may need to clean up (kernel/sched.c, finish_switch).

%include "asm-offsets.inc"            ; TASK_SAVED_RSP, TASK_CR3: struct task's

extern finish_switch
extern task_entry_c
extern lab_todo_panic                ; a student tree's stubs (docs/labs/)

section .text
global switch_to
switch_to:
; LAB switch: begin
    push rbp                        ; callee-saved registers onto prev's stack
    push rbx
    push r12
    push r13
    push r14
    push r15
    pushfq
    mov [rdi + TASK_SAVED_RSP], rsp ; remember where prev's stack stopped

    mov rsp, [rsi + TASK_SAVED_RSP] ; from here on we run on next's stack

    mov rax, [rsi + TASK_CR3]       ; change address space only if it differs:
    mov rcx, cr3                    ; writing CR3 flushes the TLB, which
    cmp rax, rcx                    ; costs every later memory access
    je .same_space
    mov cr3, rax
.same_space:
    mov rax, rdi                    ; return value: prev
    popfq                           ; next's RFLAGS and callee-saved
    pop r15                         ; registers, saved when it called
    pop r14
    pop r13                         ; switch_to (or faked by task_new
    pop r12                         ; for a new task)
    pop rbx
    pop rbp
    ret                             ; into next's switch_to caller
; LAB switch: stub
;    lea rdi, [rel .todo]
;    jmp lab_todo_panic              ; kernel/panic.c
;.todo: db "cpu/switch.asm: switch_to (lab switch, docs/labs/switch.md)", 0
; LAB switch: end

; A new task's first switch_to "returns" here (task_new put this address
; where the return address would be).  r12 and r13 hold what task_new
; chose: the C function to run and its argument.
global task_first_entry
task_first_entry:
; LAB switch: begin
    mov rdi, rax                    ; finish_switch(prev)
    call finish_switch
    mov rdi, r12
    mov rsi, r13
    call task_entry_c               ; task_entry_c(fn, arg): never returns
    ud2
; LAB switch: stub
;    lea rdi, [rel .todo]
;    jmp lab_todo_panic
;.todo: db "cpu/switch.asm: task_first_entry (lab switch, docs/labs/switch.md)", 0
; LAB switch: end
