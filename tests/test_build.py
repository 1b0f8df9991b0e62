"""The build itself: a plain `make` must build what the README says it does.

An included tests/*.mk rule once became make's default goal, so `make` built one
host test input and `make && tools/ktest.py` tested a stale kernel.
"""
import re
import subprocess
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


if __name__ == '__main__':
    unittest.main()
