; From GRUB's 32-bit protected mode to 64-bit C in the higher half.
;
; GRUB leaves us (multiboot2 spec 3.3): EAX = 0x36d76289, EBX = physical
; address of the boot information, paging off, interrupts off, no valid
; stack and a GDT we must not rely on.  Long mode needs (SDM vol. 3A 10.8.5):
; PAE in CR4, a PML4 in CR3, EFER.LME, then CR0.PG.  The jump that follows
; must use a 64-bit code segment, which is what makes the CPU leave
; compatibility mode.

; KERNEL_VMA, PHYS_BASE (the direct map) and the PTE bits: from C.
%include "asm-offsets.inc"
%define V2P(a)      ((a) - KERNEL_VMA)

extern kmain

section .boot.text progbits alloc exec
bits 32
global _start32
_start32:
    cli
    cld
    mov esp, V2P(early_stack_top)
    mov edi, eax                    ; keep the magic and info pointer for kmain
    mov esi, ebx
    rdtsc                           ; the kernel's first moment (boot_tsc)
    mov [V2P(boot_tsc)], eax
    mov [V2P(boot_tsc) + 4], edx

    cmp edi, 0x36d76289
    jne .no_multiboot

    ; CPUID.80000001h:EDX[29] is the long-mode bit; without it we stop here.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; Early page tables: the first 1 GiB of physical memory, with 2 MiB
    ; pages, mapped three times: at 0 (identity, so the instruction after
    ; setting CR0.PG still has a mapping), at PHYS_BASE (the direct map C
    ; uses to reach the boot information) and at KERNEL_VMA (where the
    ; kernel is linked).  mm/vm.c replaces these tables.
    mov ecx, 0
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P | PTE_W | PTE_PS
    mov [V2P(early_pd) + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jne .fill_pd

    mov eax, V2P(early_pd) + (PTE_P | PTE_W)
    mov [V2P(early_pdpt_low)], eax
    mov [V2P(early_pdpt_high) + 510 * 8], eax      ; -2 GiB
    mov eax, V2P(early_pdpt_low) + (PTE_P | PTE_W)
    mov [V2P(early_pml4)], eax                     ; identity
    mov [V2P(early_pml4) + 256 * 8], eax           ; PHYS_BASE
    mov eax, V2P(early_pdpt_high) + (PTE_P | PTE_W)
    mov [V2P(early_pml4) + 511 * 8], eax           ; KERNEL_VMA

    mov eax, V2P(early_pml4)
    mov cr3, eax

    mov eax, cr4
    or eax, 1 << 5                  ; CR4.PAE
    mov cr4, eax

    mov ecx, 0xc0000080             ; IA32_EFER
    rdmsr
    or eax, 1 << 8                  ; EFER.LME
    wrmsr

    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)   ; CR0.PG, and CR0.WP so ring 0 honours R/O pages
    mov cr0, eax

    lgdt [V2P(early_gdtr)]
    jmp 0x08:V2P(long_mode_entry)

.no_multiboot:
    mov esi, V2P(msg_no_mb)
    jmp early_fail
.no_long_mode:
    mov esi, V2P(msg_no_lm)
    jmp early_fail

; Print the NUL-terminated string at ESI on COM1 and stop.  There is no
; console driver yet, so poll the line-status register by hand.
early_fail:
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    lodsb
    test al, al
    jz .halt
    mov dx, 0x3f8
    out dx, al
    mov dx, 0x3fd
    jmp .wait
.halt:
    hlt
    jmp .halt

bits 64
long_mode_entry:
    ; Still running at a low (identity-mapped) address: jump to the
    ; kernel's link address through a register, because a rel32 jump
    ; cannot reach 0xffffffff8... from here.
    mov rax, higher_half_entry
    jmp rax

section .text
higher_half_entry:
    xor eax, eax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    xor ebp, ebp                    ; ends the backtrace chain
    ; kmain(magic, info): EDI and ESI were loaded above; zero-extend them.
    mov edi, edi
    mov esi, esi
    call kmain
.hang:
    cli
    hlt
    jmp .hang

section .boot.data progbits alloc write
align 4096
early_pml4:       times 512 dq 0
early_pdpt_low:   times 512 dq 0
early_pdpt_high:  times 512 dq 0
early_pd:         times 512 dq 0
                  times 1024 db 0
early_stack_top:

align 8
early_gdt:
    dq 0
    dq 0x00209a0000000000           ; 64-bit code: P, DPL 0, S, code, L
early_gdtr:
    dw $ - early_gdt - 1
    dq V2P(early_gdt)

; The TSC at the kernel's first instruction.  Under exact instruction
; counting (make bench) it is the count of everything before the kernel
; (firmware, GRUB), so the kernel's own boot cost is a difference:
; kernel/entry.c prints it at the first return to user mode.
align 8
global boot_tsc
boot_tsc: dq 0

msg_no_mb: db "kestrel: not booted by a multiboot2 loader", 10, 0
msg_no_lm: db "kestrel: this CPU has no long mode (x86-64)", 10, 0

; The boot stack, which later becomes the idle task's stack.  mm/vm.c
; leaves the page below it unmapped, so an overflow faults instead of
; silently overwriting whatever the linker put there.
section .bss.stack nobits alloc write
align 4096
global boot_stack_guard, boot_stack_top
boot_stack_guard: resb 4096
boot_stack:       resb 16384
boot_stack_top:
