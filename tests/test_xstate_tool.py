"""The xstate-layout host tool itself, run as a student would, against every
row of tests/data/cpuid/oracles.tsv (real dumps, with the layout Linux
printed or CPUID states): the printed offsets and context size must match.
tests/test_xstate_layout.c checks the same code as a library; this checks
the program and its output format."""
import re
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / 'build' / 'host' / 'xstate-layout'
SAN_TOOL = ROOT / 'build' / 'san' / 'host' / 'xstate-layout'  # the same, under ASan and UBSan
DATA = ROOT / 'tests' / 'data' / 'cpuid'


def oracle_rows():
    lines = (DATA / 'oracles.tsv').read_text().splitlines()
    header = lines[0].split('\t')
    return [dict(zip(header, ln.split('\t'))) for ln in lines[1:] if ln.strip()]


class OracleTest(unittest.TestCase):
    def setUp(self):
        lab = ROOT / '.lab'
        if lab.exists() and lab.read_text().strip() == 'layout':
            self.skipTest('lab layout\'s student tree: the real dumps are held back (docs/labs/README.md)')
        # Both are part of a plain clone plus `make`: their absence is a failure, not a skip.
        self.assertTrue((DATA / 'oracles.tsv').exists(), f'{DATA}/oracles.tsv missing')
        for tool in (TOOL, SAN_TOOL):
            self.assertTrue(tool.exists(), f'{tool} not built: run make')

    def test_every_oracle_row(self):
        rows = oracle_rows()
        self.assertTrue(rows)
        for tool in (TOOL, SAN_TOOL):
            for row in rows:
                with self.subTest(tool=tool.parent.parent.name, dump=row['dump'], format=row['format'],
                                  mask=row['mask']):
                    self.check_row(tool, row)

    def check_row(self, tool, row):
        out = subprocess.run([str(tool), '--format', row['format'], '--mask', row['mask'],
                              str(DATA / row['dump'])], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = {int(i): int(o) for i, o in
               re.findall(r'xstate_offset\[(\d+)\]:\s+(\d+), xstate_sizes', out.stdout)}
        want = {int(i): int(o) for i, o in
                (pair.split(':') for pair in row['offsets'].split(','))}
        self.assertEqual(got, want)
        size = re.search(r'context size is (\d+) bytes, using \'(\w+)\' format', out.stdout)
        self.assertIsNotNone(size, out.stdout)
        self.assertEqual(int(size[1]), int(row['size']))
        self.assertEqual(size[2], row['format'])

    def test_unsupported_mask_is_refused(self):
        dump = DATA / oracle_rows()[0]['dump']
        out = subprocess.run([str(TOOL), '--format', 'standard', '--mask', '0x40000', str(dump)],
                             capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('18', out.stderr)


if __name__ == '__main__':
    unittest.main()
