# Host build of the XSAVE layout tool and its test; included by the top
# Makefile, which provides HOSTCC, HOST_CFLAGS and BUILD.  fpu/layout.c is
# the kernel's own file, compiled here a second time for the host.

XSTATE_LAYOUT_SRCS := fpu/layout.c tools/cpuid-dump.c
XSTATE_LAYOUT_HDRS := fpu/layout.h uapi/xfeatures.h tools/cpuid-dump.h

$(BUILD)/host/xstate-layout: tools/xstate-layout.c $(XSTATE_LAYOUT_SRCS) $(XSTATE_LAYOUT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -I. -o $@ tools/xstate-layout.c $(XSTATE_LAYOUT_SRCS)

$(BUILD)/host/test_xstate_layout: tests/test_xstate_layout.c tests/ktap.h lib/ktap.h $(XSTATE_LAYOUT_SRCS) $(XSTATE_LAYOUT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -I. -o $@ tests/test_xstate_layout.c $(XSTATE_LAYOUT_SRCS)

HOST_TOOLS += $(BUILD)/host/xstate-layout
HOST_TESTS += $(BUILD)/host/test_xstate_layout

# Lab layout's grader (tools/lab/grade.py): random leaf-0xD tables.
$(BUILD)/host/lab-layout: tools/lab/layout-check.c $(XSTATE_LAYOUT_SRCS) $(XSTATE_LAYOUT_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -I. -o $@ tools/lab/layout-check.c $(XSTATE_LAYOUT_SRCS)

HOST_TOOLS += $(BUILD)/host/lab-layout
