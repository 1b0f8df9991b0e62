"""Reading the kernel's own data through GDB: by symbol and field name only.

Nothing here knows an offset.  A task is walked through the fields of
`struct task` as the kernel's DWARF describes them, so a field that moves
or a struct that grows needs no change here.  The few facts that are not in
the debug info (the TIF_* work flags are #defines) are read from the
kernel's own header, not copied.
"""
import os
import re

import gdb


class KestrelError(gdb.GdbError):
    pass


def symbol_value(name, *files):
    """The value of a kernel variable, global or file-static.

    Static variables (all_tasks, fpu_owner) are found in whichever source
    file defines them, so a variable that moves between files is still
    found; FILES only disambiguates a name several files use."""
    for f in files:
        try:
            return gdb.parse_and_eval("'%s'::%s" % (f, name))
        except gdb.error:
            pass
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is None:
        raise KestrelError("kestrel: no symbol %s in the kernel's debug info "
                           "(is build/kestrel.elf loaded?)" % name)
    return sym.value()


def has_field(value_or_type, name):
    t = value_or_type if isinstance(value_or_type, gdb.Type) else value_or_type.type
    t = t.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        t = t.target().strip_typedefs()
    return any(f.name == name for f in t.fields())


def field_offset(type_name, field):
    """Byte offset of FIELD in struct TYPE_NAME, from the DWARF."""
    t = gdb.lookup_type(type_name)
    for f in t.fields():
        if f.name == field:
            return f.bitpos // 8
    raise KestrelError("kestrel: %s has no field %s" % (type_name, field))


def cstr(arr):
    """A char array as a Python string (up to the first NUL)."""
    n = arr.type.strip_typedefs().range()[1] + 1
    out = []
    for i in range(n):
        c = int(arr[i]) & 0xff
        if c == 0:
            break
        out.append(chr(c))
    return "".join(out)


def task_ptr_type():
    return gdb.lookup_type("struct task").pointer()


def tasks():
    """Every task, in the kernel's list order (kernel/task.c: all_tasks)."""
    t = symbol_value("all_tasks", "kernel/task.c")
    seen = set()
    while int(t) != 0:
        if int(t) in seen:
            raise KestrelError("kestrel: the task list loops at %#x" % int(t))
        seen.add(int(t))
        yield t
        t = t["next_all"]


def current():
    """cpu0.current, which the kernel's current() returns."""
    return symbol_value("cpu0")["current"]


def find_task(arg):
    """A task by tid, by name, or by address (an expression); '' = current."""
    arg = (arg or "").strip()
    if not arg:
        t = current()
        if int(t) == 0:
            raise KestrelError("kestrel: no current task yet (cpu0.current is NULL)")
        return t
    if re.fullmatch(r"\d+", arg):
        for t in tasks():
            if int(t["tid"]) == int(arg):
                return t
        raise KestrelError("kestrel: no task with tid %s" % arg)
    for t in tasks():
        if cstr(t["name"]) == arg:
            return t
    try:
        v = gdb.parse_and_eval(arg)
    except gdb.error:
        raise KestrelError("kestrel: no task named %s" % arg)
    return v.cast(task_ptr_type())


def task_of_fpu(fpu_ptr):
    """The task whose `fpu` member FPU_PTR points to, or None."""
    for t in tasks():
        if int(t["fpu"].address) == int(fpu_ptr):
            return t
    return None


def fpu_owner():
    """The task whose state the registers hold (fpu_owner), or None."""
    return task_of_fpu(symbol_value("fpu_owner", "fpu/switch.c"))


_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def repo_path(*parts):
    return os.path.join(_REPO, *parts)


_tif = None


def tif_flags():
    """{bit: name} for the TIF_* work flags, read from kernel/task.h."""
    global _tif
    if _tif is None:
        _tif = {}
        pat = re.compile(r"#define\s+TIF_(\w+)\s+\(1u?\s*<<\s*(\d+)\)")
        try:
            with open(repo_path("kernel", "task.h")) as f:
                for line in f:
                    m = pat.search(line)
                    if m:
                        _tif[1 << int(m.group(2))] = m.group(1)
        except OSError:
            pass
    return _tif


def decode_flags(flags):
    names = []
    for bit, name in sorted(tif_flags().items()):
        if flags & bit:
            names.append(name)
            flags &= ~bit
    if flags:
        names.append("%#x" % flags)
    return "|".join(names) if names else "-"


def read_bytes(addr, n):
    return bytes(gdb.selected_inferior().read_memory(int(addr), n))


def u(buf, off, n):
    return int.from_bytes(buf[off:off + n], "little")
