# User programs: ordinary static Linux ELF64 executables built with musl.
# The kernel loads each one as a multiboot2 module, named by its file name.
# Included by the top Makefile, which defines BUILD.  Every user/*.c is a
# program; the headers are shared by all of them.

USER_CC		:= musl-gcc
USER_CFLAGS	:= -static -O2 -g -Wall -Wextra -Werror -std=gnu11 -Iuser -I.
USER_PROGS	:= $(sort $(basename $(notdir $(wildcard user/*.c))))
USER_BINS	:= $(addprefix $(BUILD)/user/,$(USER_PROGS))
USER_HDRS	:= $(wildcard user/*.h uapi/*.h) lib/ktap.h

$(BUILD)/user/%: user/%.c $(USER_HDRS) user/user.mk
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<
