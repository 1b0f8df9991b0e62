# Host unit tests for the ELF parser (lib/elf.c) and the ENQCMD decoder
# (lib/enqcmd_decode.c).  Included by the top Makefile, which sets HOSTCC,
# HOST_CFLAGS and BUILD and runs every program in HOST_TESTS from the
# repository root.

DECODE_MUSL_GCC := $(shell command -v musl-gcc 2>/dev/null)

# With musl-gcc, test_elf also parses a real static musl binary; it finds
# it by the path compiled in here, relative to the repository root.  Without
# musl-gcc that case reports "# SKIP".
ifneq ($(DECODE_MUSL_GCC),)
$(BUILD)/host/data/hello: tests/data/hello.c
	@mkdir -p $(@D)
	$(DECODE_MUSL_GCC) -static -no-pie -O2 -o $@ $<

$(BUILD)/host/test_elf: $(BUILD)/host/data/hello
DECODE_ELF_DEFS := -DHELLO_ELF='"$(BUILD)/host/data/hello"'
endif

$(BUILD)/host/test_elf: tests/test_elf.c tests/ktap.h lib/ktap.h lib/elf.c lib/elf.h uapi/errno.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -I. $(DECODE_ELF_DEFS) -o $@ $(filter %.c,$^)

$(BUILD)/host/test_enqcmd_decode: tests/test_enqcmd_decode.c tests/ktap.h lib/ktap.h \
		lib/enqcmd_decode.c lib/enqcmd_decode.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -I. -o $@ $(filter %.c,$^)

HOST_TESTS += $(BUILD)/host/test_elf $(BUILD)/host/test_enqcmd_decode
