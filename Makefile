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
QEMU_CPU	?= max

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
LDFLAGS		= -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		  -L $(BUILD)/generated
NASMFLAGS	= -f elf64 -g -F dwarf -w+all -I./ -I$(BUILD)/generated/

KERNEL_DIRS	= boot cpu lib mm fpu traps drivers kernel
C_SRCS		= $(filter-out kernel/asm-offsets.c,$(wildcard $(addsuffix /*.c,$(KERNEL_DIRS))))
ASM_SRCS	= $(wildcard $(addsuffix /*.asm,$(KERNEL_DIRS)))
# Two kernels from one tree.  build/kestrel.elf (make run, make debug) has
# no tests in it.  build/kestrel-test.elf (make test) adds the in-kernel
# suites (*_test.c), the ktest runner and the hooks tests use, all built
# with -DKESTREL_TEST.  Each has its own objects: build/run/, build/test/.
TEST_ONLY	= %_test.c kernel/ktest.c
RUN_OBJS	= $(patsubst %,$(BUILD)/run/%.o,$(ASM_SRCS) $(filter-out $(TEST_ONLY),$(C_SRCS)))
TEST_OBJS	= $(patsubst %,$(BUILD)/test/%.o,$(ASM_SRCS) $(C_SRCS))

# Objects allowed to use vector/x87 registers: only those that save and
# restore extended state.  tools/check-novec.sh enforces this.
VEC_OBJS	= $(filter $(BUILD)/run/fpu/% $(BUILD)/test/fpu/%,$(RUN_OBJS) $(TEST_OBJS))

# `make` with no goal builds everything (the included .mk files define rules
# of their own, and the first rule make reads would otherwise be the default).
.DEFAULT_GOAL	:= all

HOST_TOOLS	:=
HOST_TESTS	:=
include $(wildcard tests/*.mk)
# The host tests once more, built with AddressSanitizer and UBSan, in
# build/san/: the .mk files read again with BUILD pointing there.
HOST_BUILD	:= $(BUILD)
BUILD		:= $(BUILD)/san
include $(wildcard tests/*.mk)
BUILD		:= $(HOST_BUILD)
HOST_TESTS	:= $(sort $(HOST_TESTS))
$(BUILD)/san/%: HOST_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
include user/user.mk

.PHONY: all iso run debug test selftests deps bench clean help print-host-tests compile_commands.json FORCE \
	grade lab-tree handin

all: $(BUILD)/kestrel.iso $(BUILD)/kestrel-test.iso $(HOST_TOOLS) $(HOST_TESTS)

help:
	@echo "Kestrel targets:"
	@echo "  make run [EMU=bochs] [CMDLINE='...']  boot in QEMU (or Bochs), serial on this terminal"
	@echo "  make test                            build, then run every test on every platform row"
	@echo "  make debug [EMU=bochs] [USER_DEBUG=1] QEMU (or Bochs) halted with its GDB stub, GDB attached"
	@echo "  make bench                           instructions per operation, Kestrel beside Linux (build/bench/)"
	@echo "  make selftests                       Linux's own x86 selftests, unmodified, on every row (docs/selftests.md)"
	@echo "  make deps                            install Debian packages and build Bochs 3.0 (cached)"
	@echo "  make                                 build both kernels (build/kestrel.iso to run, build/kestrel-test.iso"
	@echo "                                       with the in-kernel tests), the user programs and the host tools"
	@echo "  make grade LAB=name [SEED=n]         build, run one lab's tests, print Score: x/y (docs/labs/)"
	@echo "  make lab-tree LAB=name DEST=dir      write the student tree for a lab (instructors)"
	@echo "  make handin LAB=name                 pack the work done in a student tree: handin-name.tar.gz"
	@echo "  make compile_commands.json           the compilation database, for editors and clangd"
	@echo "  make clean                           remove build/"
	@echo "  tools/ktest.py --help                the test harness: one row, one suite, a custom command line"

deps:
	@tools/deps/install.sh

# The assembly/C contract (kernel/asm-offsets.c): compiled to assembly,
# its "->NAME high low" markers become NASM %defines and its "=>" markers
# linker-script assignments.  Every .asm and the link depend on it.
ASM_OFFSETS	= $(BUILD)/generated/asm-offsets.inc $(BUILD)/generated/asm-offsets.ld
$(BUILD)/generated/asm-offsets.s: kernel/asm-offsets.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -S -o $@ $<
$(BUILD)/generated/asm-offsets.inc: $(BUILD)/generated/asm-offsets.s tools/gen-asm-offsets.sh
	tools/gen-asm-offsets.sh nasm $< > $@
$(BUILD)/generated/asm-offsets.ld: $(BUILD)/generated/asm-offsets.s tools/gen-asm-offsets.sh
	tools/gen-asm-offsets.sh ld $< > $@

# NASM 2.16's DWARF for a file with code in two sections (boot/entry.asm:
# .boot.text and .text) has one compile unit whose low_pc/high_pc cover only
# the first, while .debug_aranges lists both: GDB maps a .text address to the
# unit, finds no line there, and warns at every `bt` ("in address map, but
# not in symtab").  Without .debug_aranges GDB uses the unit's own range.
NASM_NOARANGES	= objcopy --remove-section=.debug_aranges --remove-section=.rela.debug_aranges $@

$(BUILD)/run/%.asm.o: %.asm Makefile $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP -o $@ $<
	@$(NASM_NOARANGES)

$(BUILD)/test/%.asm.o: %.asm Makefile $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP -o $@ $<
	@$(NASM_NOARANGES)

$(BUILD)/run/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/test/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DKESTREL_TEST -c -o $@ $<

$(BUILD)/ksyms0.S:
	@mkdir -p $(BUILD)
	tools/gen-ksyms.sh > $@

$(BUILD)/%.o: $(BUILD)/%.S
	$(CC) -c -o $@ $<

# The ISO carries the command line, so it is rebuilt when CMDLINE changes.
$(BUILD)/cmdline.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@
FORCE:

# So is the list of programs: a deleted user/*.c must leave the ISO too.
$(BUILD)/user-progs.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(USER_PROGS)' | cmp -s - $@ || echo '$(USER_PROGS)' > $@

# One kernel image and its ISO: $(1) the name, $(2) its objects, $(3) the
# ISO's directory.  The ISO holds each user program as a multiboot2 module
# named after its file.
define KERNEL_IMAGE
$(BUILD)/$(1)-stage1.elf: $(2) $(BUILD)/ksyms0.o linker.ld $(ASM_OFFSETS)
	$$(LD) $$(LDFLAGS) -T linker.ld -o $$@ $(2) $(BUILD)/ksyms0.o

$(BUILD)/$(1)-ksyms.S: $(BUILD)/$(1)-stage1.elf tools/gen-ksyms.sh
	tools/gen-ksyms.sh $$< > $$@

$(BUILD)/$(1).elf: $(2) $(BUILD)/$(1)-ksyms.o linker.ld $(ASM_OFFSETS) tools/check-novec.sh
	$$(LD) $$(LDFLAGS) -T linker.ld -o $$@ $(2) $(BUILD)/$(1)-ksyms.o
	@# check-ksyms: the final link must not have moved any code.
	@nm -n $(BUILD)/$(1)-stage1.elf | grep -i ' t ' > $(BUILD)/$(1)-syms1.txt
	@nm -n $$@ | grep -i ' t ' > $(BUILD)/$(1)-syms2.txt
	@cmp -s $(BUILD)/$(1)-syms1.txt $(BUILD)/$(1)-syms2.txt || \
		{ echo "check-ksyms: code moved between the two links"; rm -f $$@; exit 1; }
	@tools/check-novec.sh $$(filter-out $$(VEC_OBJS),$(2)) || { rm -f $$@; exit 1; }

$(BUILD)/$(1).iso: $(BUILD)/$(1).elf iso/boot/grub/grub.cfg $$(USER_BINS) $(BUILD)/cmdline.txt \
		$(BUILD)/user-progs.txt
	@rm -rf $(BUILD)/$(3) && mkdir -p $(BUILD)/$(3)/boot/grub $(BUILD)/$(3)/boot/user
	cp $(BUILD)/$(1).elf $(BUILD)/$(3)/boot/kestrel.elf
	cp $$(USER_BINS) $(BUILD)/$(3)/boot/user/
	sed -e '/^#/d' -e 's|@CMDLINE@|$$(CMDLINE)|' \
	    -e 's|^\(\s*\)@MODULES@|$$(foreach p,$$(USER_PROGS),\1module2 /boot/user/$$(p) $$(p)\n)|' -e '/^\s*$$$$/d' \
	    iso/boot/grub/grub.cfg > $(BUILD)/$(3)/boot/grub/grub.cfg
	grub-mkrescue -o $$@ $(BUILD)/$(3) 2> $(BUILD)/$(1)-grub-mkrescue.log || \
		{ cat $(BUILD)/$(1)-grub-mkrescue.log; exit 1; }
endef
$(eval $(call KERNEL_IMAGE,kestrel,$(RUN_OBJS),isodir))
$(eval $(call KERNEL_IMAGE,kestrel-test,$(TEST_OBJS),isodir-test))

# Bochs is built too, but only EMU=bochs needs it to succeed.
run:
	@KESTREL_BOCHS_OPTIONAL=$(if $(filter bochs,$(EMU)),0,1) tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory $(BUILD)/kestrel.iso
ifeq ($(EMU),bochs)
	tools/ktest.py --kernel run --row bochs-spr --raw --cmdline '$(CMDLINE)' --timeout 0
else
	@# isa-debug-exit makes QEMU exit with (code << 1) | 1: 1 is a clean "kestrel: exit 0".
	tools/qemu.py --cpu $(QEMU_CPU) $(BUILD)/kestrel.iso -serial mon:stdio || [ $$? -eq 1 ]
endif

# EMU=bochs: tools/gdb/bochs-debug.sh, Bochs's own stub (docs/debugging.md).
debug:
	@KESTREL_BOCHS_OPTIONAL=$(if $(filter bochs,$(EMU)),0,1) tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory $(BUILD)/kestrel.iso
	EMU=$(EMU) QEMU_CPU=$(QEMU_CPU) tools/gdb/debug.sh $(BUILD)/kestrel.iso $(BUILD)/kestrel.elf

test:
	@KESTREL_BOCHS_OPTIONAL=1 tools/deps/install.sh
	@$(MAKE) --no-print-directory all
	@tools/selftests/build.py || [ $$? -eq 2 ]
	tools/ktest.py

# Linux's own x86 selftests, unmodified, on every row (docs/selftests.md).
# Exit status 2 from the build: the source cannot be had here, and the rows
# report the suite skipped with the reason.
selftests:
	@KESTREL_BOCHS_OPTIONAL=1 tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory all
	@tools/selftests/build.py || [ $$? -eq 2 ]
	tools/ktest.py --selftests

# Benchmarks: instructions per operation under exact counting, Kestrel
# beside Debian's Linux (tools/bench/run.py, docs/bench.md).
bench:
	@KESTREL_BOCHS_OPTIONAL=1 tools/deps/install.sh >/dev/null
	@$(MAKE) --no-print-directory all
	tools/bench/run.py

# Coursework (docs/labs/README.md).  LAB is a lab's name: make grade LAB=switch.
grade:
	@KESTREL_BOCHS_OPTIONAL=1 tools/deps/install.sh >/dev/null
	@tools/lab/grade.py $(LAB) $(if $(SEED),--seed $(SEED))

lab-tree:
	@tools/lab/cut.py $(LAB) $(DEST)

handin:
	@tools/lab/handin.py $(LAB)

# For editors and clangd: every C compile make would run (no bear needed).
compile_commands.json:
	@tools/compile-commands.py

print-host-tests:
	@echo $(HOST_TESTS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
