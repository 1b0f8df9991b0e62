"""tools/bench's reading of a boot log (tools/bench/parse.py) on a recorded
Kestrel boot (tests/data/bench/tcg-max.kestrel.log, from make bench): the
figures are read, and the whole boot is refused when the calibration loop
does not read its exact count or the program stopped early."""
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools' / 'bench'))
import parse    # noqa: E402
import report   # noqa: E402

SAMPLE = ROOT / 'tests' / 'data' / 'bench' / 'tcg-max.kestrel.log'


class BenchParseTest(unittest.TestCase):
    def setUp(self):
        self.text = SAMPLE.read_text()

    def test_sample_is_read(self):
        out = parse.parse(self.text)
        self.assertEqual(out['os'], 'kestrel')
        self.assertIn('getpid', out['ops'])
        g = out['ops']['getpid']
        self.assertTrue(g['min'] <= g['p10'] <= g['median'] <= g['p90'] <= g['max'])
        self.assertEqual([c['got'] for c in out['calibration'] if c['expect']],
                         [c['expect'] for c in out['calibration'] if c['expect']])

    def test_boot_count_is_read(self):
        # The kernel's line (kernel/entry.c) becomes the boot figure; without it, none.
        self.assertNotIn(parse.BOOT_OP, parse.parse(self.text.replace('\nboot: ', '\nnot-boot: '))['ops'])
        line = 'boot: 3046992 TSC ticks from kernel entry to the first user instruction'
        out = parse.parse(line + '\n' + self.text)
        self.assertEqual(out['ops'][parse.BOOT_OP]['median'], 3046992)

    def test_refuses_a_calibration_off_by_one(self):
        bad = self.text.replace('expect=2001 got=2001', 'expect=2001 got=2002')
        self.assertNotEqual(bad, self.text)
        with self.assertRaisesRegex(parse.Refused, 'n=1000 read 2002'):
            parse.parse(bad)

    def test_refuses_a_wrong_expectation(self):
        bad = self.text.replace('expect=2001 got=2001', 'expect=2000 got=2000')
        with self.assertRaisesRegex(parse.Refused, 'not 2n\\+1'):
            parse.parse(bad)

    def test_refuses_without_calibration(self):
        bad = '\n'.join(ln for ln in self.text.splitlines() if not ln.startswith('bench-cal:'))
        with self.assertRaisesRegex(parse.Refused, 'no calibration'):
            parse.parse(bad)

    def test_refuses_a_truncated_run(self):
        with self.assertRaisesRegex(parse.Refused, 'bench-end'):
            parse.parse(self.text.replace('bench-end', ''))

    def test_drops_yields_that_ran_no_partner(self):
        bad = self.text.replace('partner ran 2000 times', 'partner ran 0 times')
        self.assertNotEqual(bad, self.text)
        out = parse.parse(bad)
        self.assertNotIn('sched_yield round trip, 2 threads', out['ops'])
        self.assertIn('sched_yield round trip, 2 threads', out['skips'])
        self.assertIn('getpid', out['ops'])

    def test_report_ratio(self):
        out = parse.parse(self.text)
        res = {'row': 'tcg-max', 'cpu': 'max', 'notes': [], 'kestrel': out, 'linux': out}
        self.assertIn(' 1.00', report.table(res).splitlines()[2])
        self.assertTrue(report.svg({'tcg-max': res}).startswith('<svg'))


if __name__ == '__main__':
    unittest.main()
