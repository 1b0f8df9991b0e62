"""Kestrel's GDB extension: task-aware commands and the XSAVE buffer decoded.

Loaded by tools/gdb/kestrel.gdb.  `help kestrel` lists the commands."""
import gdb

from . import bochs, frame, tasks, user, xstate  # noqa: F401  (each registers its commands)


class Kestrel(gdb.Command):
    """Kestrel's commands (help COMMAND for each):

  kps                 every task: tid, state, work flags, FPU owner, counters
  ktask [TID|NAME]    one task (default: the current one)
  kframe [TID|*ADDR]  a trap frame decoded; bt continues through trap frames
  kxstate [TID|NAME]  a task's XSAVE buffer, in the kernel's layout
  kxstate -layout     where each component lives (fpu_cfg)
  kxdiff              live registers against the owner's buffer
  kuser NAME          load build/user/NAME's symbols (break main works)
  kbreak FUNC         hardware breakpoint (safe before paging is on)
  $current(), $task(TID)   the struct task * in expressions"""

    def __init__(self):
        super().__init__("kestrel", gdb.COMMAND_USER, prefix=True)

    def invoke(self, arg, from_tty):
        gdb.execute("help kestrel")


class KBreak(gdb.Command):
    """Set a hardware breakpoint (safe before paging is on).

Usage: kbreak LOCATION [if CONDITION]
       e.g. kbreak fpu_switch_out if $_streq(prev->name, "gdb-xstate")

At reset paging is off and 0xffffffff80... is not mapped, so a software
breakpoint cannot be planted there; a hardware one matches the address
once paging is on.  QEMU's stub has 4, like the CPU's DR0-DR3.
Under Bochs (KESTREL_EMU=bochs, set by make debug EMU=bochs) kbreak is a
plain `break`, Bochs's stub checking its breakpoints against RIP itself.
But GDB reads the instruction at a breakpoint's address when it creates
one, and Bochs 3.0's stub crashes (SIGSEGV) reading an address paging
does not map yet: the higher half stays hidden from GDB until paging is on
(tools/gdb/kestrel/bochs.py)."""

    def __init__(self):
        super().__init__("kbreak", gdb.COMMAND_BREAKPOINTS, gdb.COMPLETE_LOCATION)

    def invoke(self, arg, from_tty):
        if not bochs.ACTIVE:
            gdb.execute("hbreak " + arg, from_tty)
            return
        # Until paging is on, tools/gdb/kestrel/bochs.py hides the higher
        # half: GDB then plants the breakpoint without reading it.
        gdb.execute("break " + arg, from_tty)


Kestrel()
KBreak()
