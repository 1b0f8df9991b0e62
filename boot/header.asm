; The multiboot2 header GRUB looks for in the first 32 KiB of the image.
; Multiboot2 spec, section 3.1: magic, architecture 0 (i386 protected mode),
; header length, and a checksum that makes the four fields sum to zero.

%define MB2_MAGIC   0xe85250d6
%define MB2_ARCH    0

extern _start32_phys     ; linker.ld: the physical address of _start32

section .multiboot2
align 8
mb2_header:
    dd MB2_MAGIC
    dd MB2_ARCH
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))

    ; Entry address tag (type 3). Our ELF entry point is a higher-half
    ; virtual address that means nothing before paging is on, so tell GRUB
    ; the physical address of the 32-bit entry explicitly.
    align 8
    dw 3, 0
    dd 12
    dd _start32_phys

    ; End tag.
    align 8
    dw 0, 0
    dd 8
mb2_header_end:
