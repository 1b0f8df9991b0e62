"""kps, ktask, $current(), $task(): the task list as the kernel keeps it."""
import gdb

from .kern import (cstr, current, decode_flags, find_task, fpu_owner, tasks,
                   task_ptr_type)


def _owner_mark(t, owner):
    if owner is None or int(owner) != int(t):
        return ""
    # fpregs_valid_for(): the owner's registers are live only on the CPU
    # that last loaded them (Kestrel has one: 0).
    return "owner" if int(t["fpu"]["last_cpu"]) == 0 else "owner?"


def task_line(t, cur, owner):
    proc = t["proc"]
    pid = str(int(proc["pid"])) if int(proc) else "-"
    state = str(t["state"]).replace("TASK_", "").lower()
    fpu = t["fpu"]
    return "%s%-4d %-4s %-16s %-9s %-24s %-6s %4d %7d %8d %7d" % (
        "*" if int(t) == int(cur) else " ", int(t["tid"]), pid, cstr(t["name"]),
        state, decode_flags(int(t["flags"])), _owner_mark(t, owner),
        int(fpu["last_cpu"]), int(fpu["saves"]), int(fpu["restores"]),
        int(fpu["restores_skipped"]))


HEADER = " %-4s %-4s %-16s %-9s %-24s %-6s %4s %7s %8s %7s" % (
    "TID", "PID", "NAME", "STATE", "WORK FLAGS", "FPU", "LAST", "SAVES",
    "RESTORES", "SKIPPED")


class KPs(gdb.Command):
    """List every task the kernel knows (the all_tasks list), one a line.

Usage: kps

Columns: TID; PID of its process (- for a kernel thread); NAME; STATE;
WORK FLAGS, the TIF_* bits decoded (NEED_RESCHED: its slice is over;
NEED_FPU_LOAD: the registers do not hold its state and exit_to_user_mode
must restore them; KILLED: it exits instead of returning to user mode);
FPU: "owner" if fpu_owner points at it and its registers are live;
LAST: fpu.last_cpu (-1: no CPU holds its state); SAVES, RESTORES and
SKIPPED: its fpu counters (a skipped restore is a return to user mode that
needed no XRSTOR).  The current task (cpu0.current) is marked *."""

    def __init__(self):
        super().__init__("kps", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        cur, owner = current(), fpu_owner()
        print(HEADER)
        n, listed = 0, False
        for t in tasks():
            print(task_line(t, cur, owner))
            listed |= int(t) == int(cur)
            n += 1
        if int(cur) and not listed:
            # The idle task (cpu0.idle) is the boot stack's, never in the list.
            print(task_line(cur, cur, owner) + "  (not in all_tasks)")
        print("%d tasks; fpu_owner: %s" % (
            n, "none" if owner is None else
            "tid %d (%s)" % (int(owner["tid"]), cstr(owner["name"]))))


class KTask(gdb.Command):
    """Show one task: the current one, or one given by tid, name or address.

Usage: ktask [TID | NAME | EXPR]

Prints the kps line and then the whole struct task, as the kernel's debug
info describes it.  `p *$current()` and `p *$task(TID)` do the same in
expressions."""

    def __init__(self):
        super().__init__("ktask", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = find_task(arg)
        print(HEADER)
        print(task_line(t, current(), fpu_owner()))
        print("(struct task *) %#x" % int(t))
        gdb.execute("print *(struct task *) %d" % int(t))


class CurrentFn(gdb.Function):
    """$current(): the current task, cpu0.current (the kernel's current())."""

    def __init__(self):
        super().__init__("current")

    def invoke(self):
        return current()


class TaskFn(gdb.Function):
    """$task(TID): the struct task * with that tid."""

    def __init__(self):
        super().__init__("task")

    def invoke(self, tid):
        return find_task(str(int(tid))).cast(task_ptr_type())


KPs()
KTask()
CurrentFn()
TaskFn()
