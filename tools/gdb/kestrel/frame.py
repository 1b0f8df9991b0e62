"""Trap frames: kframe, and an unwinder that continues `bt` through them.

traps/vectors.asm and traps/syscall.asm build a struct trap_frame and
call into C with the stack pointer at (or 16 bytes below) it.  GDB's own
unwinders know nothing of that, so `bt` used to stop in the stub.  This
unwinder recognises a stub frame by its return address: the instruction
before it is a CALL to one of the C entry points, and the caller has no
DWARF function (it is NASM code).  The interrupted registers are then the
trap frame's fields, read by name, so the next frame is the interrupted
code: kernel, or user code when its symbols are loaded (kuser).
"""
import gdb
import gdb.unwinder

from .kern import KestrelError, find_task, read_bytes, symbol_value

ENTRY_FUNCTIONS = ("trap_dispatch", "exit_to_user_mode", "syscall_dispatch",
                   "syscall_compat_dispatch")
ADD_RSP_16 = b"\x48\x83\xc4\x10"   # trap_common: add rsp, 16 (its fake frame)
SYSCALL_VECTOR = 0x80              # traps/syscall.asm's mark for a system call
GPRS = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
        "r11", "r12", "r13", "r14", "r15")

_entries = None


def _entry_addresses():
    global _entries
    if _entries is None:
        found = set()
        for name in ENTRY_FUNCTIONS:
            try:
                found.add(int(gdb.parse_and_eval("&" + name).cast(
                    gdb.lookup_type("unsigned long"))))
            except gdb.error:
                pass
        _entries = found
    return _entries


def frame_type():
    return gdb.lookup_type("struct trap_frame")


def trap_frame_at_return(pc, sp):
    """The trap frame a stub frame (return address PC, stack SP) points
    at, or None if PC is not a return address in an entry stub."""
    if pc < 5:
        return None
    blk = gdb.current_progspace().block_for_pc(pc)
    while blk is not None and blk.function is None and blk.superblock is not None:
        blk = blk.superblock
    if blk is not None and blk.function is not None:
        return None                # C code: its DWARF unwinds it
    try:
        code = read_bytes(pc - 5, 9)
    except gdb.MemoryError:
        return None
    if code[0] != 0xe8:
        return None
    target = (pc + int.from_bytes(code[1:5], "little", signed=True)) & (2**64 - 1)
    if target not in _entry_addresses():
        return None
    return sp + (16 if code[5:9] == ADD_RSP_16 else 0)


class FrameId:
    """GDB 13 wants the frame id's sp and pc as gdb.Value."""
    def __init__(self, sp, pc):
        u64 = gdb.lookup_type("unsigned long")
        self.sp = gdb.Value(sp).cast(u64)
        self.pc = gdb.Value(pc).cast(u64)


class TrapFrameUnwinder(gdb.unwinder.Unwinder):
    def __init__(self):
        super().__init__("kestrel-trap-frame")

    def __call__(self, pending):
        try:
            pc = int(pending.read_register("rip"))
            sp = int(pending.read_register("rsp"))
            tf_addr = trap_frame_at_return(pc, sp)
            if tf_addr is None:
                return None
            tf = gdb.Value(tf_addr).cast(frame_type().pointer()).dereference()
            info = pending.create_unwind_info(FrameId(sp, pc))
            saved = [(r, r) for r in GPRS + ("rip", "rsp", "cs", "ss")] + [("eflags", "rflags")]
            for reg, field in saved:
                # GDB's eflags, cs and ss are 32 bits wide: cast to its type.
                info.add_saved_register(reg, tf[field].cast(pending.read_register(reg).type))
            return info
        except (gdb.error, gdb.MemoryError, OverflowError, ValueError):
            return None


def vector_name(v):
    if v == SYSCALL_VECTOR:
        return "system call (SYSCALL)"
    if v < 32:
        try:
            names = symbol_value("names", "traps/trap.c")
            p = names[v]
            return p.string() if int(p) else "reserved exception"
        except (gdb.error, KestrelError):
            return "exception %d" % v
    return "hardware interrupt (IRQ %d)" % (v - 32) if v < 48 else "interrupt"


def where(addr):
    s = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    return "" if s.startswith("No symbol") else "<%s>" % s.split(" in section")[0]


def print_trap_frame(tf_addr):
    tf = gdb.Value(tf_addr).cast(frame_type().pointer()).dereference()
    vec, cs, rip = int(tf["vector"]), int(tf["cs"]), int(tf["rip"])
    user = cs & 3
    print("trap frame at %#x: vector %d, %s" % (tf_addr, vec, vector_name(vec)))
    print("  error %#x   from %s mode (cs %#x, ss %#x)" % (
        int(tf["error"]), "user" if user else "kernel", cs, int(tf["ss"])))
    print("  rip %#018x %s" % (rip, where(rip)))
    print("  rsp %#018x  rflags %#x" % (int(tf["rsp"]), int(tf["rflags"])))
    for i in range(0, len(GPRS), 3):
        print("  " + "  ".join("%-3s %#018x" % (r, int(tf[r])) for r in GPRS[i:i + 3]))


def innermost_trap_frame():
    f = gdb.newest_frame()
    while f is not None:
        nxt = f.older()
        if nxt is None:
            break
        addr = trap_frame_at_return(int(nxt.pc()), int(nxt.read_register("rsp")))
        if addr is not None:
            return addr
        f = nxt
    return None


class KFrame(gdb.Command):
    """Decode a trap frame: vector and its name, error code, RIP with symbol,
user or kernel mode, and the saved registers.

Usage: kframe            the innermost trap frame in the current backtrace
                         (else the current task's user frame)
       kframe TID|NAME   that task's user frame, at the top of its kernel stack
       kframe *EXPR      the struct trap_frame at address EXPR

`bt` itself continues through trap frames: the frame after an entry stub
(trap_common, syscall_entry) is the interrupted code.  Load a user
program's symbols (kuser NAME) to see its frames by name."""

    def __init__(self):
        super().__init__("kframe", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if arg.startswith("*"):
            print_trap_frame(int(gdb.parse_and_eval(arg[1:])))
            return
        if not arg:
            addr = innermost_trap_frame()
            if addr is not None:
                print_trap_frame(addr)
                return
        t = find_task(arg)
        # task_user_frame(): the frame sits at the very top of the kernel stack.
        print_trap_frame(int(t["kstack_top"]) - frame_type().sizeof)


gdb.unwinder.register_unwinder(None, TrapFrameUnwinder(), replace=True)
KFrame()
