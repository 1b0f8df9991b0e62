"""kuser: a user program's symbols, at the addresses its ELF says."""
import os
import struct

import gdb

from .kern import KestrelError, repo_path

_loaded = []


def elf_sections(path):
    """{name: address} of the allocated sections of an ELF64 file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise KestrelError("kestrel: %s is not an ELF64 file" % path)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = secs[shstrndx][4]
    out = {}
    for name, _type, flags, addr, _off, _size in secs:
        end = data.index(b"\0", strtab_off + name)
        if flags & 2:               # SHF_ALLOC
            out[data[strtab_off + name:end].decode()] = addr
    return out


class KUser(gdb.Command):
    """Load a user program's symbols: build/user/NAME, at its own addresses.

Usage: kuser NAME        e.g. kuser hello, then: break main, continue
       kuser -off        unload the user program's symbols again

User programs are static ELF executables linked at fixed addresses, and the
kernel maps each segment where the ELF says (kernel/exec.c), so the file's
section addresses are right as they stand.  Every program is linked at the
same addresses: load only the one you debug, and make a breakpoint in it
conditional on the task, e.g.  break main if $_streq($current()->name, "hello").
Build with `make USER_DEBUG=1` (-Og) to step through user code line by line."""

    def __init__(self):
        super().__init__("kuser", gdb.COMMAND_FILES, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        for path in _loaded:
            gdb.execute("remove-symbol-file %s" % path, to_string=True)
        del _loaded[:]
        if arg in ("", "-off"):
            return
        path = arg if os.sep in arg else repo_path("build", "user", arg)
        if not os.path.isfile(path):
            raise KestrelError("kestrel: no %s (build it with make)" % path)
        secs = elf_sections(path)
        if ".text" not in secs:
            raise KestrelError("kestrel: %s has no .text" % path)
        args = " ".join("-s %s %#x" % (n, a) for n, a in sorted(secs.items())
                        if n != ".text" and a)
        gdb.execute("add-symbol-file %s %#x %s" % (path, secs[".text"], args), to_string=True)
        _loaded.append(path)
        print("kuser: %s symbols loaded, .text at %#x" % (os.path.basename(path), secs[".text"]))


KUser()
