"""The GDB extension (tools/gdb/kestrel/) checked against the kernel's own view.

Each test boots the kernel under an emulator's GDB stub with
init=gdb-xstate (user/gdb-xstate.c), stops where the kernel switches that
task out for the second time (its buffer then holds what it put in its
registers), and runs the commands of docs/debugging.md.  What they print
must match what the program says it put in XMM0, YMM0 and PKRU, the tasks
the kernel counts (kestrel_fpustat), and the layout the kernel printed at
boot.  Rows: QEMU -cpu max (standard format, AVX, PKU), QEMU -cpu qemu64
(no AVX, no PKU), Bochs Sapphire Rapids (compacted format, AVX-512).
"""
import re
import shutil
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools' / 'gdb'))
import session  # noqa: E402

STOP = [
    'kuser gdb-xstate',
    # The second switch-out: the first save has filled its buffer.
    'kbreak fpu_switch_out if $_streq(prev->name, "gdb-xstate") && prev->fpu.saves > 0',
    # Bochs's stub also reports some exceptions as stops: go on to the breakpoint.
    'python',
    'while gdb.selected_frame().name() != "fpu_switch_out":',
    '    gdb.execute("continue")',
    'end',
]
COMMANDS = ['bt', 'kps', 'ktask', 'kframe', 'kxstate gdb-xstate', 'kxstate -layout', 'kxdiff',
            'p/x fpu_cfg.xfeatures']


def sections(out):
    """GDB's output split at the `echo ==CMD` markers."""
    parts = re.split(r'^==(.*)$', out, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def ready(emu):
    if not shutil.which('gdb') or not (ROOT / 'build' / 'isodir' / 'boot' / 'user' / 'gdb-xstate').exists():
        return 'gdb or build/isodir missing: run make'
    if emu == 'qemu' and not shutil.which('qemu-system-x86_64'):
        return 'qemu-system-x86_64 missing'
    if emu == 'bochs' and not (session.BOCHS_PREFIX / 'bin' / 'bochs').exists():
        return f'Bochs not built ({session.BOCHS_PREFIX}): make deps'
    return None


class XStateSession:
    emu, cpu = 'qemu', 'max'

    @classmethod
    def setUpClass(cls):
        if why := ready(cls.emu):
            raise unittest.SkipTest(why)
        script = STOP + [f'echo =={c}\\n\n{c}' for c in COMMANDS]
        cls.out, cls.serial = session.run(cls.emu, 'init=gdb-xstate', script,
                                          name=f'test-{cls.emu}-{cls.cpu}', cpu=cls.cpu)
        cls.s = sections(cls.out)
        m = {k: re.search(rf'^gdb-xstate: {k} (.*)$', cls.serial, re.M) for k in ('xmm0', 'ymm0', 'pkru')}
        if not all(m.values()):
            raise AssertionError('gdb-xstate did not report its values:\n' + cls.serial + cls.out)
        cls.want = {k: (None if v[1].startswith('none') else int(v[1], 16)) for k, v in m.items()}

    def section(self, name):
        self.assertIn(name, self.s, f'no output for {name}:\n{self.out}')
        return self.s[name]

    def test_bt_reaches_user_frames(self):
        bt = self.section('bt')
        self.assertRegex(bt, r'in syscall_entry \(\)')
        self.assertRegex(bt, r'in (hold|main) \(.*\) at user/gdb-xstate\.c')
        self.assertNotIn('warning:', self.out)

    def test_kps_shows_the_tasks_the_kernel_counts(self):
        m = re.search(r'^gdb-xstate: kernel counts (\d+) user tasks:(.*)$', self.serial, re.M)
        kernel = sorted(tuple(x.split(':')) for x in m[2].split())
        self.assertEqual(len(kernel), int(m[1]))
        rows = [ln.split() for ln in self.section('kps').splitlines() if re.match(r'^[ *]\d', ln)]
        user = sorted((r[0].lstrip('*'), r[2]) for r in rows if r[1] != '-' and r[3] != 'dead')
        self.assertEqual(user, kernel)
        total = re.search(r'^(\d+) tasks; fpu_owner: (.*)$', self.section('kps'), re.M)
        self.assertEqual(int(total[1]), len([r for r in rows]))
        self.assertIn('gdb-xstate', total[2])
        self.assertIn('gdb-xstate', self.section('ktask'))

    def test_kframe_decodes_the_system_call(self):
        f = self.section('kframe')
        self.assertIn('system call (SYSCALL)', f)
        self.assertIn('from user mode (cs 0x33', f)
        self.assertRegex(f, r'rip 0x[0-9a-f]+ <(hold|main)')

    def test_kxstate_prints_what_the_program_put(self):
        x = self.section('kxstate gdb-xstate')
        reg = re.search(r'^\s+([xyz])mm0\s+0x([0-9a-f]+)$', x, re.M)
        self.assertIsNotNone(reg, x)
        v = int(reg[2], 16)
        self.assertEqual(v & (2**128 - 1), self.want['xmm0'])
        if self.want['ymm0'] is None:
            self.assertEqual(reg[1], 'x', 'a YMM register on a CPU without AVX')
        else:
            self.assertEqual(v & (2**256 - 1), self.want['ymm0'])
        m = re.search(r'^pkru (0x[0-9a-f]+)', x, re.M)
        if self.want['pkru'] is None:
            self.assertIsNone(m, 'PKRU decoded where the kernel has no PKU')
        else:
            self.assertEqual(int(m[1], 16), self.want['pkru'])

    def test_kxstate_uses_the_kernels_layout(self):
        fmt = re.search(r"using '(\w+)' format", self.serial)
        self.assertIn(f', {fmt[1]} format,', self.section('kxstate gdb-xstate'))
        lay = {int(m[1]): (int(m[2]), int(m[3])) for m in re.finditer(
            r'^\s+(\d+) .* offset\s+(\d+) size\s+(\d+)$', self.section('kxstate -layout'), re.M)}
        printed = re.findall(r'xstate_offset\[(\d+)\]:\s*(\d+), xstate_sizes\[\d+\]:\s*(\d+)', self.serial)
        for i, off, size in printed:
            self.assertEqual(lay.get(int(i)), (int(off), int(size)), f'component {i}')
        xf = int(re.search(r'= (0x[0-9a-f]+)', self.section('p/x fpu_cfg.xfeatures'))[1], 16)
        bv = re.search(r'XCOMP_BV\s+(0x[0-9a-f]+)', self.section('kxstate gdb-xstate'))
        if fmt[1] == 'compacted':
            self.assertEqual(int(bv[1], 16), xf | 1 << 63)

    def test_kxdiff_compares_with_the_owner(self):
        d = self.section('kxdiff')
        self.assertIn('owner: tid', d)
        self.assertIn('(gdb-xstate)', d)
        self.assertRegex(d, r'(?m)^\d+ equal, \d+ differ')
        self.assertNotIn('differs: xmm0 ', d)


class QemuMax(XStateSession, unittest.TestCase):
    emu, cpu = 'qemu', 'max'


class QemuBase(XStateSession, unittest.TestCase):
    emu, cpu = 'qemu', 'qemu64'


class BochsSpr(XStateSession, unittest.TestCase):
    emu = 'bochs'

    def test_kxdiff_compares_with_the_owner(self):
        # Bochs's 'g' packet carries the general registers only.
        self.assertIn('not served by this stub', self.section('kxdiff'))


class UserBreakpoint(unittest.TestCase):
    def test_break_main_in_a_user_program(self):
        if why := ready('qemu'):
            self.skipTest(why)
        out, _ = session.run('qemu', 'init=hello', ['kuser hello', 'break main', 'continue', 'bt'],
                             name='test-break-main')
        self.assertRegex(out, r'Breakpoint 1, main \(.*\) at user/hello\.c')
        self.assertRegex(out, r'#0 +main \(')


if __name__ == '__main__':
    unittest.main()
