# Kestrel.  `make help` lists the targets.
#
# The kernel is built twice over: kestrel-stage1.elf links with an empty
# symbol table, its `nm` output becomes the real table (tools/gen-ksyms.sh),
# and kestrel.elf links with that.  The table sits last in the image, so no
# code moves between the two links; check-ksyms proves it.

BUILD		?= build
KESTREL_CACHE	?= $(HOME)/.cache/kestrel
export KESTREL_CACHE
CMDLINE		?= init=sh
EMU		?= qemu
QEMU		?= qemu-system-x86_64
QEMU_CPU	?= max
QEMU_FLAGS	= -accel tcg -cpu $(QEMU_CPU) -m 256M -smp 1 -boot d -no-reboot \
		  -device isa-debug-exit,iobase=0xf4,iosize=0x04

CC		= gcc
LD		= ld
NASM		= nasm
HOSTCC		= cc
HOST_CFLAGS	= -std=gnu11 -O2 -g -Wall -Wextra -Werror

# -mgeneral-regs-only: the compiler must never touch x87/SSE/AVX registers
# in kernel code, because those hold a user task's state until it is saved
# (deferred restore).  Only fpu/ touches them, through inline assembly.
CFLAGS		= -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes -I. \
		  -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
		  -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
		  -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks \
		  -fcf-protection=none -MMD -MP
LDFLAGS		= -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments
NASMFLAGS	= -f elf64 -g -F dwarf -w+all -I./

KERNEL_DIRS	= boot cpu lib mm fpu traps drivers kernel
C_SRCS		= $(wildcard $(addsuffix /*.c,$(KERNEL_DIRS)))
ASM_SRCS	= $(wildcard $(addsuffix /*.asm,$(KERNEL_DIRS)))
OBJS		= $(patsubst %,$(BUILD)/%.o,$(ASM_SRCS) $(C_SRCS))

# Objects allowed to use vector/x87 registers: only those that save and
# restore extended state.  tools/check-novec.sh enforces this.
VEC_OBJS	= $(filter $(BUILD)/fpu/%,$(OBJS))

# `make` with no goal builds everything (the included .mk files define rules
# of their own, and the first rule make reads would otherwise be the default).
.DEFAULT_GOAL	:= all

HOST_TOOLS	:=
HOST_TESTS	:=
include $(wildcard tests/*.mk)
include user/user.mk

.PHONY: all iso run debug test deps bench clean help print-host-tests FORCE

all: $(BUILD)/kestrel.iso $(HOST_TOOLS) $(HOST_TESTS)

help:
	@echo "Kestrel targets:"
	@echo "  make run [EMU=bochs] [CMDLINE='...']  boot in QEMU (or Bochs), serial on this terminal"
	@echo "  make test                            build, then run every test on every platform row"
	@echo "  make debug [EMU=bochs] [USER_DEBUG=1] QEMU (or Bochs) halted with its GDB stub, GDB attached"
	@echo "  make bench                           cycle counts of each XSAVE variant, per row"
	@echo "  make deps                            install Debian packages and build Bochs 3.0 (cached)"
	@echo "  make                                 build build/kestrel.elf, build/kestrel.iso, host tools"
	@echo "  make clean                           remove build/"
	@echo "  tools/ktest.py --help                the test harness: one row, one suite, a custom command line"

deps:
	@tools/deps/install.sh

# NASM 2.16's DWARF for a file with code in two sections (boot/entry.asm:
# .boot.text and .text) has one compile unit whose low_pc/high_pc cover only
# the first, while .debug_aranges lists both: GDB maps a .text address to the
# unit, finds no line there, and warns at every `bt` ("in address map, but
# not in symtab").  Without .debug_aranges GDB uses the unit's own range.
$(BUILD)/%.asm.o: %.asm Makefile
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $(BUILD)/$*.asm.d -MP -o $@ $<
	@objcopy --remove-section=.debug_aranges --remove-section=.rela.debug_aranges $@

$(BUILD)/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/ksyms0.S:
	@mkdir -p $(BUILD)
	tools/gen-ksyms.sh > $@

$(BUILD)/ksyms.S: $(BUILD)/kestrel-stage1.elf tools/gen-ksyms.sh
	tools/gen-ksyms.sh $< > $@

$(BUILD)/%.o: $(BUILD)/%.S
	$(CC) -c -o $@ $<

$(BUILD)/kestrel-stage1.elf: $(OBJS) $(BUILD)/ksyms0.o linker.ld
	$(LD) $(LDFLAGS) -T linker.ld -o $@ $(OBJS) $(BUILD)/ksyms0.o

$(BUILD)/kestrel.elf: $(OBJS) $(BUILD)/ksyms.o linker.ld tools/check-novec.sh
	$(LD) $(LDFLAGS) -T linker.ld -o $@ $(OBJS) $(BUILD)/ksyms.o
	@# check-ksyms: the final link must not have moved any code.
	@nm -n $(BUILD)/kestrel-stage1.elf | grep -i ' t ' > $(BUILD)/syms1.txt
	@nm -n $@ | grep -i ' t ' > $(BUILD)/syms2.txt
	@cmp -s $(BUILD)/syms1.txt $(BUILD)/syms2.txt || \
		{ echo "check-ksyms: code moved between the two links"; rm -f $@; exit 1; }
	@tools/check-novec.sh $(filter-out $(VEC_OBJS),$(OBJS)) || { rm -f $@; exit 1; }

GRUB_CFG = $(BUILD)/isodir/boot/grub/grub.cfg

# The ISO carries the command line, so it is rebuilt when CMDLINE changes.
$(BUILD)/cmdline.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@
FORCE:

# So is the list of programs: a deleted user/*.c must leave the ISO too.
$(BUILD)/user-progs.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(USER_PROGS)' | cmp -s - $@ || echo '$(USER_PROGS)' > $@

# Each user program becomes a multiboot2 module named after its file.
$(BUILD)/kestrel.iso: $(BUILD)/kestrel.elf iso/boot/grub/grub.cfg $(USER_BINS) $(BUILD)/cmdline.txt \
		$(BUILD)/user-progs.txt
	@rm -rf $(BUILD)/isodir && mkdir -p $(BUILD)/isodir/boot/grub $(BUILD)/isodir/boot/user
	cp $(BUILD)/kestrel.elf $(BUILD)/isodir/boot/kestrel.elf
	cp $(USER_BINS) $(BUILD)/isodir/boot/user/
	sed -e '/^#/d' -e 's|@CMDLINE@|$(CMDLINE)|' \
	    -e 's|^\(\s*\)@MODULES@|$(foreach p,$(USER_PROGS),\1module2 /boot/user/$(p) $(p)\n)|' -e '/^\s*$$/d' \
	    iso/boot/grub/grub.cfg > $(GRUB_CFG)
	grub-mkrescue -o $@ $(BUILD)/isodir 2> $(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

# Bochs is built too, but only EMU=bochs needs it to succeed.
run:
	@KESTREL_BOCHS_OPTIONAL=$(if $(filter bochs,$(EMU)),0,1) tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory $(BUILD)/kestrel.iso
ifeq ($(EMU),bochs)
	tools/ktest.py --row bochs-spr --raw --cmdline '$(CMDLINE)' --timeout 0
else
	@# isa-debug-exit makes QEMU exit with (code << 1) | 1: 1 is a clean "kestrel: exit 0".
	$(QEMU) $(QEMU_FLAGS) -cdrom $(BUILD)/kestrel.iso -display none -serial mon:stdio || [ $$? -eq 1 ]
endif

# EMU=bochs: tools/gdb/bochs-debug.sh, Bochs's own stub (docs/debugging.md).
debug:
	@KESTREL_BOCHS_OPTIONAL=$(if $(filter bochs,$(EMU)),0,1) tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory $(BUILD)/kestrel.iso
	EMU=$(EMU) QEMU_CPU=$(QEMU_CPU) tools/gdb/debug.sh $(BUILD)/kestrel.iso $(BUILD)/kestrel.elf

test:
	@KESTREL_BOCHS_OPTIONAL=1 tools/deps/install.sh
	@$(MAKE) --no-print-directory all
	tools/ktest.py

# Benchmarks: cycle counts measured in one run on each row (fpu/bench.c).
bench:
	@KESTREL_BOCHS_OPTIONAL=1 tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory $(BUILD)/kestrel.iso
	@for row in tcg-max tcg-base bochs-spr; do \
		echo "== $$row"; \
		tools/ktest.py --row $$row --raw --cmdline 'bench' --timeout 120 | grep '^bench:' || true; \
	done

print-host-tests:
	@echo $(HOST_TESTS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
