# GDB setup for Kestrel under QEMU's GDB stub (make debug uses it).
#
# The pitfall: the CPU starts in 16/32-bit mode and Kestrel switches to
# 64-bit long mode in boot/entry.asm.  GDB fixes its idea of the register
# set when it connects; if it guesses i386 and the target later reports
# 64-bit registers, GDB fails with "Remote 'g' packet reply is too long".
# So: declare x86-64 before connecting.  And a software breakpoint on a
# higher-half function cannot be planted at reset, when paging is off and
# 0xffffffff80... is not mapped ("Cannot insert breakpoint"): use hardware
# breakpoints (hbreak), which match the address once paging is on.
set architecture i386:x86-64
set pagination off
set confirm off
set disassembly-flavor intel
# Kestrel's source paths are relative to the repository root.
directory .
# kbreak (hbreak with its whole argument, condition included) is in
# tools/gdb/kestrel/__init__.py.
# The Python extension (tools/gdb/kestrel/): kps, ktask, kframe, kxstate,
# kxdiff, kuser, and the unwinder that takes bt through trap frames.
python
import os, sys
sys.path.insert(0, os.path.abspath("tools/gdb"))
import kestrel
end
