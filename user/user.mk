# User programs: ordinary static Linux ELF64 executables built with musl.
# The kernel loads each one as a multiboot2 module, named by its file name.
# Included by the top Makefile, which defines BUILD.  Every user/*.c is a
# program; the headers are shared by all of them.

USER_CC		:= musl-gcc
# make USER_DEBUG=1: -Og, so GDB's `next` follows the source (docs/debugging.md).
USER_OPT	:= $(if $(filter 1,$(USER_DEBUG)),-Og,-O2)
USER_CFLAGS	:= -static $(USER_OPT) -g -Wall -Wextra -Werror -std=gnu11 -Iuser -I.
USER_PROGS	:= $(sort $(basename $(notdir $(wildcard user/*.c))))
USER_BINS	:= $(addprefix $(BUILD)/user/,$(USER_PROGS))
USER_HDRS	:= $(wildcard user/*.h uapi/*.h) lib/ktap.h

# The programs are rebuilt when the flags change (USER_DEBUG on or off).
$(BUILD)/user-cflags.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(USER_CFLAGS)' | cmp -s - $@ || echo '$(USER_CFLAGS)' > $@

$(BUILD)/user/%: user/%.c $(USER_HDRS) user/user.mk $(BUILD)/user-cflags.txt
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<
