"""Bochs's stub: keep GDB away from memory paging does not map yet.

Bochs 3.0's stub translates an address for an 'm' packet and crashes
(SIGSEGV) when it is not mapped: at reset, before boot/entry.asm turns
paging on, any read of the higher half (a breakpoint's shadow byte, `p
cpu0`, kps) ends the session.  So under Bochs the higher half starts as a
write-only `mem` region, which GDB refuses to read without asking the
stub ("Cannot access memory"), and the region goes at the first stop where
paging is certainly on: RIP in the higher half, or CPL 3.
"""
import os

import gdb

HIGHER_HALF = "mem 0xffff800000000000 0xfffffffffffff000 wo"
ACTIVE = os.environ.get("KESTREL_EMU") == "bochs"
_guarded = False


def guard():
    global _guarded
    if not _guarded:
        gdb.execute("set mem inaccessible-by-default off")
        gdb.execute(HIGHER_HALF, to_string=True)
        _guarded = True


def unguard():
    global _guarded
    if _guarded:
        gdb.execute("delete mem")
        _guarded = False


def paging_on():
    try:
        f = gdb.newest_frame()
        rip, cs = int(f.read_register("rip")), int(f.read_register("cs"))
    except gdb.error:
        return False
    return rip >= 0xffff800000000000 or cs & 3 == 3


def on_stop(event):
    if _guarded and paging_on():
        unguard()


def guarded():
    return _guarded


if ACTIVE:
    guard()
    gdb.events.stop.connect(on_stop)
