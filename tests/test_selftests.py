"""Linux's selftests on Kestrel (docs/selftests.md): the table in the book
lists exactly the programs Linux's Makefile names, every known failure is
explained there, and the harness's verdicts follow tools/selftests/expected.txt."""
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
sys.path.insert(0, str(ROOT / 'tools' / 'selftests'))
from harness import selftests  # noqa: E402
from harness.ktap import FAIL, PASS, SKIP, Case  # noqa: E402
import build  # noqa: E402  (tools/selftests/build.py)

DOC = (ROOT / 'docs' / 'selftests.md').read_text()
ROWS = ('tcg-max', 'tcg-base', 'bochs-spr')


def doc_programs():
    table = DOC.split('<!-- results -->')[1].split('<!-- /results -->')[0]
    return {m[1] for m in re.finditer(r'^\| `([\w-]+)` \|', table, re.M)}


class BookTest(unittest.TestCase):
    def test_table_lists_what_the_makefile_builds(self):
        src = sorted((ROOT / 'build' / 'selftests' / 'src').glob('linux-source-*/tools/testing/selftests/x86'))
        if not src:
            self.skipTest('no extracted selftests (make selftests): the Makefile cannot be read')
        want = {f'x86-{n}' for n, _, _ in build.makefile_targets(src[-1])} | {'mm-protection_keys'}
        self.assertEqual(doc_programs(), want, 'docs/selftests.md: run tools/selftests/table.py --write')

    def test_every_known_failure_is_in_the_table_and_explained(self):
        why = DOC.split('## Why some do not pass')[1]
        for (name, row), reason in selftests.expected().items():
            self.assertIn(name, doc_programs(), f'{name} in expected.txt but not in the table')
            self.assertIn(row, ('all',) + ROWS, f'{name}: unknown row {row}')
            self.assertIn(f'`{name.split("-", 1)[1]}`', why, f'{name} is not explained in the book')
            self.assertTrue(reason.strip(), f'{name}: no reason')


class SkipTest(unittest.TestCase):
    def test_no_source_means_skipped_with_the_reason(self):
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, KESTREL_LINUX_SOURCE=f'{d}/none-*.tar.xz', KESTREL_NO_INSTALL='1')
            r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'selftests' / 'build.py'), '--out', d,
                                '--iso', f'{d}/selftests.iso'],
                               env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn('KESTREL_NO_INSTALL', (Path(d) / 'skip.txt').read_text())


class VerdictTest(unittest.TestCase):
    table = {('x86-a', 'all'): 'no ptrace', ('x86-b', 'tcg-max'): 'emulator bug'}

    def verdict(self, row, name, status):
        return selftests.judge(row, [Case(f'selftests.selftest.{name}', status)], self.table)[0]

    def test_known_failure_is_skipped_with_its_reason(self):
        c = self.verdict('bochs-spr', 'x86-a', FAIL)
        self.assertEqual((c.status, c.reason), (SKIP, 'expected failure: no ptrace'))

    def test_known_failure_that_passes_fails(self):
        self.assertEqual(self.verdict('tcg-max', 'x86-b', PASS).status, FAIL)

    def test_only_on_its_row(self):
        self.assertEqual(self.verdict('tcg-base', 'x86-b', FAIL).status, FAIL)
        self.assertEqual(self.verdict('tcg-base', 'x86-b', PASS).status, PASS)

    def test_unlisted_failure_fails(self):
        self.assertEqual(self.verdict('tcg-max', 'x86-c', FAIL).status, FAIL)


class CompatTest(unittest.TestCase):
    def test_compat_header_builds_in_c_and_assembler(self):
        try:
            subprocess.run(['musl-gcc', '--version'], capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            self.skipTest('musl-gcc not installed')
        with tempfile.TemporaryDirectory() as d:
            c, s = Path(d) / 'a.c', Path(d) / 'b.S'
            c.write_text('uint u; struct _fpx_sw_bytes sw;\n'
                         '_Static_assert(sizeof(struct _fpx_sw_bytes) == 48, "48 bytes");\n')
            s.write_text('nop\n')
            for f in (c, s):
                r = subprocess.run(['musl-gcc', '-c', '-Wall', '-Werror', '-include',
                                    str(ROOT / 'tools' / 'selftests' / 'compat.h'), '-o', str(f) + '.o', str(f)],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == '__main__':
    unittest.main()
