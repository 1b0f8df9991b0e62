"""The build itself: a plain `make` must build what the README says it does.

An included tests/*.mk rule once became make's default goal, so `make` built one
host test input and `make && tools/ktest.py` tested a stale kernel.
"""
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class DefaultGoalTest(unittest.TestCase):
    def test_default_goal_is_all(self):
        # -p prints make's database, -q runs nothing; the variable is in the database.
        r = subprocess.run(['make', '-pq'], cwd=ROOT, capture_output=True, text=True)
        m = re.search(r'^\.DEFAULT_GOAL := (.*)$', r.stdout, re.M)
        self.assertIsNotNone(m, 'make -pq printed no .DEFAULT_GOAL')
        self.assertEqual(m[1].strip(), 'all')

    def test_all_builds_kernel_iso_user_programs_host_tools(self):
        r = subprocess.run(['make', '-pq'], cwd=ROOT, capture_output=True, text=True)
        m = re.search(r'^all: (.*)$', r.stdout, re.M)
        self.assertIsNotNone(m, 'no rule for all')
        prereqs = m[1].split()
        for image in ('kestrel', 'kestrel-test'):
            self.assertIn(f'build/{image}.iso', prereqs)
            iso = re.search(rf'^build/{image}\.iso: (.*)$', r.stdout, re.M)
            self.assertIn(f'build/{image}.elf', iso[1].split())
            self.assertIn('build/user/hello', iso[1].split())
        for tool in ('build/host/xstate-layout', 'build/host/test_elf'):
            self.assertIn(tool, prereqs)


class TwoKernelsTest(unittest.TestCase):
    """make run's kernel carries no test code; make test's carries all of it."""
    HOOKS = ('ktest_run', 'trap_test_hook', 'gp_fixup_then_reschedule', 'sys_fpu_selftest')

    def symbols(self, elf):
        path = ROOT / 'build' / elf
        if not path.exists():
            self.skipTest(f'build/{elf} is not built: run make first')
        out = subprocess.run(['nm', str(path)], capture_output=True, text=True, check=True).stdout
        return {line.split()[-1] for line in out.splitlines() if line.strip()}

    def test_run_kernel_has_no_tests_or_hooks(self):
        syms = self.symbols('kestrel.elf')
        for s in self.HOOKS:
            self.assertNotIn(s, syms)
        self.assertEqual([s for s in syms if s.endswith('_suite') or s.startswith('ktest_')], [])

    def test_test_kernel_has_them(self):
        syms = self.symbols('kestrel-test.elf')
        for s in self.HOOKS:
            self.assertIn(s, syms)


class AsmOffsetsTest(unittest.TestCase):
    """The assembly takes its offsets from C (kernel/asm-offsets.c)."""
    GENERATED = ROOT / 'build' / 'generated' / 'asm-offsets.inc'

    def generated_names(self):
        if not self.GENERATED.exists():
            self.skipTest('build/generated/asm-offsets.inc is not built: run make first')
        return set(re.findall(r'^%define (\w+) ', self.GENERATED.read_text(), re.M))

    def test_no_assembly_file_keeps_its_own_copy(self):
        names = self.generated_names()
        for path in list(ROOT.glob('*/*.asm')) + list(ROOT.glob('*/*.inc')):
            for name in re.findall(r'^\s*%define\s+(\w+)', path.read_text(), re.M):
                self.assertNotIn(name, names, f'{path.relative_to(ROOT)} defines {name} itself')
        self.assertNotRegex((ROOT / 'linker.ld').read_text(), r'(?m)^\s*KERNEL_VMA\s*=')

    def test_a_moved_field_moves_the_assembly(self):
        # struct task with a field in front of saved_rsp: TASK_SAVED_RSP follows.
        self.generated_names()
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / 'kernel').mkdir()
            task_h = (ROOT / 'kernel' / 'task.h').read_text()
            moved = task_h.replace('struct task {\n', 'struct task {\n\tuint64_t moved_in_front;\n', 1)
            self.assertNotEqual(moved, task_h)
            (Path(d) / 'kernel' / 'task.h').write_text(moved)
            s = Path(d) / 'asm-offsets.s'
            cc = subprocess.run(['gcc', '-std=gnu11', '-O2', '-I', d, '-I', str(ROOT), '-ffreestanding',
                                 '-fno-pic', '-mcmodel=kernel', '-mgeneral-regs-only', '-S', '-o', str(s),
                                 str(ROOT / 'kernel' / 'asm-offsets.c')], capture_output=True, text=True)
            self.assertEqual(cc.returncode, 0, cc.stderr)
            out = subprocess.run([str(ROOT / 'tools' / 'gen-asm-offsets.sh'), 'nasm', str(s)],
                                 capture_output=True, text=True, check=True).stdout
            self.assertIn('%define TASK_SAVED_RSP 0x0000000000000008', out)
            self.assertIn('%define TASK_CR3 0x0000000000000010', out)


if __name__ == '__main__':
    unittest.main()
