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
        self.assertIn('build/kestrel.iso', prereqs)
        iso = re.search(r'^build/kestrel\.iso: (.*)$', r.stdout, re.M)
        self.assertIn('build/kestrel.elf', iso[1].split())
        self.assertIn('build/user/hello', iso[1].split())
        for tool in ('build/host/xstate-layout', 'build/host/test_elf'):
            self.assertIn(tool, prereqs)


if __name__ == '__main__':
    unittest.main()
