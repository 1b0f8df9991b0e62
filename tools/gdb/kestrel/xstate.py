"""kxstate and kxdiff: a task's extended state, in the kernel's live layout.

Where each component sits is what fpu/xstate.c computed at boot and keeps
in fpu_cfg (offset[], sizes[], compacted, xfeatures): read from there, not
re-derived from CPUID.  Only what the SDM fixes for every format is known
here: the legacy region (vol. 1 table 10-2: FCW 0, FSW 2, FTW 4, MXCSR 24,
ST0-7 at 32, XMM0-15 at 160) and the header at 512 (XSTATE_BV, XCOMP_BV,
13.4.2), and the layout inside each component (13.5).
"""
import gdb

from .kern import (KestrelError, cstr, find_task, fpu_owner, read_bytes,
                   symbol_value, u)

NAMES = {0: "x87", 1: "SSE", 2: "AVX (YMM_Hi128)", 3: "MPX BNDREGS",
         4: "MPX BNDCSR", 5: "AVX-512 opmask", 6: "AVX-512 ZMM_Hi256",
         7: "AVX-512 Hi16_ZMM", 8: "PT", 9: "PKRU", 10: "PASID", 11: "CET_U",
         12: "CET_S", 13: "HDC", 14: "UINTR", 15: "LBR", 16: "HWP",
         17: "AMX XTILECFG", 18: "AMX XTILEDATA"}


class Layout:
    """fpu_cfg, as the kernel filled it in."""

    def __init__(self):
        c = symbol_value("fpu_cfg")
        self.strategy = str(c["strategy"]).replace("FPU_", "")
        self.compacted = bool(int(c["compacted"]))
        self.xfeatures = int(c["xfeatures"])
        self.size = int(c["size"])
        self.offset = [int(c["offset"][i]) for i in range(64)]
        self.sizes = [int(c["sizes"][i]) for i in range(64)]
        self.pasid_emulated = bool(int(c["pasid_emulated"]))
        self.pasid_sw_offset = int(c["pasid_sw_offset"])
        self.has_header = self.strategy != "FXSAVE"

    def has(self, i):
        return self.xfeatures >> i & 1


def mask_names(m):
    return " ".join(NAMES.get(i, "bit%d" % i) for i in range(64) if m >> i & 1) or "(none)"


def x87_value(raw):
    """An 80-bit extended real (SDM vol. 1 4.2.2) as a Python float."""
    mant, se = raw & (2**64 - 1), raw >> 64
    sign, exp = -1.0 if se >> 15 else 1.0, se & 0x7fff
    if exp == 0x7fff:
        return sign * float("inf") if mant << 1 == 0 else float("nan")
    if exp == 0 and mant == 0:
        return sign * 0.0
    try:
        return sign * mant * 2.0 ** (exp - 16383 - 63)
    except OverflowError:
        return sign * float("inf")


def hexn(v, bits):
    return "0x%0*x" % (bits // 4, v)


class State:
    """One buffer, split into components by the kernel's layout."""

    def __init__(self, task, lay):
        self.task, self.lay = task, lay
        addr = int(task["fpu"]["state"])
        if addr == 0:
            raise KestrelError("kestrel: %s has no extended state (a kernel thread)"
                               % cstr(task["name"]))
        self.addr = addr
        self.buf = read_bytes(addr, lay.size)
        if lay.has_header:
            self.bv, self.xcomp = u(self.buf, 512, 8), u(self.buf, 520, 8)
        else:
            self.bv, self.xcomp = 3, 0      # FXSAVE: x87 and SSE, always

    def present(self, i):
        return self.bv >> i & 1

    def comp(self, i, off=0, n=None):
        """Bytes of component I at OFF, from the kernel's offset[]."""
        start = self.lay.offset[i] + off
        return self.buf[start:start + (n or self.lay.sizes[i])]

    def xmm(self, n):
        return u(self.buf, 160 + 16 * n, 16) if self.present(1) else 0

    def ymm_hi(self, n):
        return u(self.comp(2), 16 * n, 16) if self.lay.has(2) and self.present(2) else 0

    def zmm_hi(self, n):
        return u(self.comp(6), 32 * n, 32) if self.lay.has(6) and self.present(6) else 0

    def pkru(self):
        return u(self.comp(9), 0, 4) if self.present(9) else 0

    def mxcsr(self):
        return u(self.buf, 24, 4)


def print_state(s):
    lay, b = s.lay, s.buf
    print("task %d (%s): buffer %#x, %d bytes, %s format, strategy %s" % (
        int(s.task["tid"]), cstr(s.task["name"]), s.addr, lay.size,
        "compacted" if lay.compacted else "standard", lay.strategy))
    print("  xfeatures %#x  %s" % (lay.xfeatures, mask_names(lay.xfeatures)))
    if lay.has_header:
        print("  XSTATE_BV %#x  %s" % (s.bv, mask_names(s.bv)))
        print("  XCOMP_BV  %#x%s" % (s.xcomp, "  (bit 63: compacted)" if s.xcomp >> 63 else ""))
    if s.present(0):
        fsw = u(b, 2, 2)
        print("x87: fcw %#06x  fsw %#06x (top %d)  ftw %#04x (abridged)  fop %#x" % (
            u(b, 0, 2), fsw, fsw >> 11 & 7, u(b, 4, 1), u(b, 6, 2)))
        for i in range(8):
            raw = u(b, 32 + 16 * i, 10)
            print("  st%d %s  %r" % (i, hexn(raw, 80), x87_value(raw)))
    else:
        print("x87: init (XSTATE_BV[0] clear: fcw 0x037f, empty stack)")
    print("mxcsr %#010x" % s.mxcsr())
    if not s.present(1):
        print("SSE: init (XSTATE_BV[1] clear: xmm0-15 are zero)")
    wide = 512 if lay.has(6) else 256 if lay.has(2) else 128
    if lay.has(2) and not s.present(2):
        print("AVX: init (XSTATE_BV[2] clear: the upper halves of ymm0-15 are zero)")
    if lay.has(6) and not s.present(6):
        print("AVX-512 ZMM_Hi256: init (bits 511:256 of zmm0-15 are zero)")
    if s.present(1) or (lay.has(2) and s.present(2)) or (lay.has(6) and s.present(6)):
        name = {128: "xmm", 256: "ymm", 512: "zmm"}[wide]
        for n in range(16):
            full = s.xmm(n) | s.ymm_hi(n) << 128 | s.zmm_hi(n) << 256
            print("  %s%-2d %s" % (name, n, hexn(full, wide)))
    if lay.has(5):
        if s.present(5):
            print("opmask: " + "  ".join("k%d %#x" % (i, u(s.comp(5), 8 * i, 8)) for i in range(8)))
        else:
            print("opmask: init (k0-7 are zero)")
    if lay.has(7):
        if s.present(7):
            for n in range(16):
                print("  zmm%d %s" % (16 + n, hexn(u(s.comp(7), 64 * n, 64), 512)))
        else:
            print("AVX-512 Hi16_ZMM: init (zmm16-31 are zero)")
    if lay.has(9):
        print("pkru %#010x%s" % (s.pkru(), "" if s.present(9) else "  (init)"))
    if lay.has(10):
        print("pasid %#x%s" % (u(s.comp(10), 0, 8), "" if s.present(10) else "  (init)"))
    elif lay.pasid_emulated:
        off = lay.pasid_sw_offset
        try:
            t = gdb.lookup_type("struct sw_pasid")
            fo = {f.name: f.bitpos // 8 for f in t.fields()}
        except gdb.error:
            fo = {"present": 0, "value": 8}
        pres, val = u(b, off + fo["present"], 8), u(b, off + fo["value"], 8)
        print("pasid %#x (emulated in software at +%d)%s" % (val, off, "" if pres else "  (init)"))
    for i, regs in ((11, ("IA32_U_CET", "IA32_PL3_SSP")),
                    (12, ("IA32_PL0_SSP", "IA32_PL1_SSP", "IA32_PL2_SSP"))):
        if lay.has(i):
            if s.present(i):
                print("%s: " % NAMES[i] + "  ".join(
                    "%s %#x" % (r, u(s.comp(i), 8 * k, 8)) for k, r in enumerate(regs)))
            else:
                print("%s: init (all zero)" % NAMES[i])
    if lay.has(17):
        if s.present(17):
            c = s.comp(17)
            print("tilecfg: palette %d start_row %d" % (c[0], c[1]))
            for t in range(8):
                print("  tmm%d: %d rows x %d bytes" % (t, c[48 + t], u(c, 16 + 2 * t, 2)))
        else:
            print("tilecfg: init (palette 0: tiles off)")
    if lay.has(18):
        c = s.comp(18)
        print("tiledata: %s" % ("%d of %d bytes non-zero" % (sum(1 for x in c if x), len(c))
                                if s.present(18) else "init"))
    for i in range(2, 64):
        if lay.has(i) and i not in (2, 5, 6, 7, 9, 10, 11, 12, 17, 18):
            print("%s: %s at +%d, %d bytes" % (NAMES.get(i, "bit%d" % i),
                                               "present" if s.present(i) else "init",
                                               lay.offset[i], lay.sizes[i]))


class KXState(gdb.Command):
    """Decode a task's extended-state buffer (task->fpu.state) with the
kernel's own layout (fpu_cfg: offsets and sizes, standard or compacted).

Usage: kxstate [TID | NAME]      default: the current task
       kxstate -layout           just the layout: each component's offset/size

Shows the format, XSTATE_BV and XCOMP_BV, x87 control/status and stack,
MXCSR, XMM joined with the YMM and ZMM upper halves into full registers,
opmask, zmm16-31, PKRU, PASID, CET and the AMX tile configuration.  A
component whose XSTATE_BV bit is clear is shown as init: XRSTOR would load
its initial value, whatever stale bytes the buffer holds.  The buffer is
what the task had when it was last switched out; while it runs (kxdiff),
the registers are newer."""

    def __init__(self):
        super().__init__("kxstate", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        lay = Layout()
        if arg.strip() == "-layout":
            print("strategy %s, %s format, %d bytes" % (
                lay.strategy, "compacted" if lay.compacted else "standard", lay.size))
            for i in range(64):
                if lay.has(i):
                    print("  %2d %-20s offset %5d size %5d" % (
                        i, NAMES.get(i, "bit%d" % i), lay.offset[i], lay.sizes[i]))
            return
        print_state(State(find_task(arg), lay))


def live(name):
    return gdb.newest_frame().read_register(name)


def reg_int(v):
    """A register's value as an integer; a vector register through its
    vN_int64 view (GDB's vec128/vec256 unions), lowest element first."""
    t = v.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_UNION:
        return int(v) & (2**64 - 1)
    for f in t.fields():
        if f.name.endswith("_int64"):
            n = f.type.range()[1] + 1
            return sum((int(v[f.name][i]) & (2**64 - 1)) << (64 * i) for i in range(n))
    raise KestrelError("kestrel: cannot read register of type %s" % t)


class KXDiff(gdb.Command):
    """Compare the live registers with the buffer of the task that owns them.

Usage: kxdiff

fpu_owner names the task whose state the registers hold.  Just after it
was switched out they equal its buffer; once it runs again in user mode
they move on and the buffer is stale until the next save.  A task switched
back in with its registers still valid skips the XRSTOR (fpu.restores_skipped).
Compared: fcw, fsw, mxcsr, xmm0-15, and ymm/zmm/k/pkru where the stub
serves them (QEMU 7.2's serves x87, SSE and MXCSR only, Bochs's none of
them; see docs/debugging.md)."""

    def __init__(self):
        super().__init__("kxdiff", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        owner = fpu_owner()
        if owner is None:
            print("fpu_owner is NULL: the registers hold nobody's state reliably")
            return
        s = State(owner, Layout())
        regs = {r.name for r in gdb.newest_frame().architecture().registers()}
        pairs = [("fcw", "fctrl", u(s.buf, 0, 2) if s.present(0) else 0x37f),
                 ("fsw", "fstat", u(s.buf, 2, 2) if s.present(0) else 0),
                 ("mxcsr", "mxcsr", s.mxcsr())]
        pairs += [("xmm%d" % n, "xmm%d" % n, s.xmm(n)) for n in range(16)]
        if s.lay.has(2):
            pairs += [("ymm%d" % n, "ymm%d" % n, s.xmm(n) | s.ymm_hi(n) << 128) for n in range(16)]
        if s.lay.has(9):
            pairs.append(("pkru", "pkru", s.pkru()))
        same, differ, unserved = [], [], []
        for label, reg, want in pairs:
            if reg not in regs:
                unserved.append(label)
                continue
            try:
                got = reg_int(live(reg))
            except gdb.error:       # "value is not available": Bochs's 'g' has GPRs only
                unserved.append(label)
                continue
            (same if got == want else differ).append((label, got, want))
        print("owner: tid %d (%s), last_cpu %d, flags %#x" % (
            int(owner["tid"]), cstr(owner["name"]), int(owner["fpu"]["last_cpu"]),
            int(owner["flags"])))
        for label, got, want in differ:
            print("  differs: %-6s live %#x  buffer %#x" % (label, got, want))
        print("%d equal, %d differ%s" % (len(same), len(differ),
              "" if not unserved else "; not served by this stub: " +
              " ".join(sorted(set(x.rstrip("0123456789") for x in unserved)))))


KXState()
KXDiff()
