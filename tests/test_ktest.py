"""Unit tests for tools/ktest.py: the KTAP parser and how a run's end is judged.

Run:  python3 -m unittest tests/test_ktest.py
      python3 -m unittest discover -s tests -p 'test_*.py'
(tools/ktest.py also runs them as part of its host tests.)
"""
import contextlib
import io
import shutil
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'tools'))
import ktest  # noqa: E402
from ktest import FAIL, PASS, SKIP, TODO  # noqa: E402

EXAMPLE = textwrap.dedent('''\
    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: pmm
        1..3
        ok 1 alloc_free
        not ok 2 exhaustion
        # exhaustion: EXPECT failed at mm/pmm_test.c:40: got 3, want 0
        ok 3 huge # SKIP needs 1 GiB
    ok 1 pmm
        KTAP version 1
        # Subtest: trap
        1..1
        ok 1 de
    ok 2 trap
    kestrel: exit 1
    ''')


def table(p):
    return {c.name: c.status for c in p.cases}


def by_name(cases, name):
    return next(c for c in cases if c.name == name)


class ParserTest(unittest.TestCase):
    def test_nested_example(self):
        p = ktest.parse(EXAMPLE)
        self.assertEqual(table(p), {'pmm.alloc_free': PASS, 'pmm.exhaustion': FAIL,
                                    'pmm.huge': SKIP, 'trap.de': PASS})
        self.assertEqual(by_name(p.cases, 'pmm.huge').reason, 'needs 1 GiB')
        self.assertEqual(by_name(p.cases, 'pmm.exhaustion').diag,
                         ['# exhaustion: EXPECT failed at mm/pmm_test.c:40: got 3, want 0'])
        self.assertEqual(p.exit_code, 1)
        self.assertTrue(p.saw_ktap)
        self.assertIsNone(p.unfinished)

    def test_crlf_and_nul(self):
        p = ktest.parse(EXAMPLE.replace('\n', '\r\n').replace('KTAP', '\0KTAP', 1))
        self.assertEqual(table(p), table(ktest.parse(EXAMPLE)))
        self.assertEqual(by_name(p.cases, 'pmm.huge').reason, 'needs 1 GiB')

    def test_deep_nesting(self):
        text = textwrap.dedent('''\
            KTAP version 1
            1..1
                KTAP version 1
                # Subtest: a
                1..2
                    KTAP version 1
                    # Subtest: b
                    1..1
                        KTAP version 1
                        # Subtest: c
                        1..2
                        ok 1 x
                        not ok 2 y
                    not ok 1 c
                not ok 1 b
                ok 2 z
            not ok 1 a
            ''')
        p = ktest.parse(text)
        self.assertEqual(table(p), {'a.b.c.x': PASS, 'a.b.c.y': FAIL, 'a.z': PASS})

    def test_directives(self):
        text = textwrap.dedent('''\
            KTAP version 1
            1..5
            ok 1 a # SKIP no XSAVES
            not ok 2 b # TODO not written yet
            ok 3 - c # skip lower case
            not ok 4 d # SKIP not ok plus skip is a skip
            ok 5 e # just a comment
            ''')
        p = ktest.parse(text)
        self.assertEqual(table(p), {'a': SKIP, 'b': TODO, 'c': SKIP, 'd': SKIP, 'e': PASS})
        self.assertEqual(by_name(p.cases, 'a').reason, 'no XSAVES')
        self.assertEqual(by_name(p.cases, 'b').reason, 'not written yet')

    def test_suite_plan_mismatch(self):
        text = EXAMPLE.replace('    1..3', '    1..5')
        p = ktest.parse(text)
        self.assertEqual(by_name(p.cases, 'pmm').reason, 'KTAP plan says 5 cases, saw 3')
        self.assertEqual(by_name(p.cases, 'pmm').status, FAIL)

    def test_root_plan_mismatch(self):
        p = ktest.parse(EXAMPLE.replace('1..2', '1..3', 1))
        self.assertEqual(by_name(p.cases, 'ktap').reason, 'KTAP plan says 3 cases, saw 2')

    def test_missing_plan_is_fine(self):
        text = '\n'.join(ln for ln in EXAMPLE.splitlines() if '1..' not in ln)
        p = ktest.parse(text)
        self.assertEqual(table(p), table(ktest.parse(EXAMPLE)))

    def test_interleaved_log_and_garbage(self):
        lines = EXAMPLE.splitlines()
        lines.insert(0, 'GRUB loading...')
        lines.insert(1, 'kestrel: pmm: 255 MiB free')
        lines.insert(8, 'kestrel: timer tick')          # between pmm's cases
        lines.insert(10, '\x1b[0m@@ garbage ok 7 x')
        lines.insert(12, 'ok')                            # not a result line
        p = ktest.parse('\n'.join(lines))
        self.assertEqual(table(p), table(ktest.parse(EXAMPLE)))
        self.assertIn('kestrel: pmm: 255 MiB free', p.log)
        self.assertIn('kestrel: timer tick', p.log)
        self.assertFalse(any(c.name == 'kernel' for c in ktest.judge(p, 1)))

    def test_diagnostics_before_result(self):        # what real KUnit prints
        text = textwrap.dedent('''\
            KTAP version 1
            1..1
                # Subtest: s
                1..2
                # a: EXPECTATION FAILED at x.c:3
                    Expected 1 == 2
                not ok 1 a
                ok 2 b
            not ok 1 s
            ''')
        p = ktest.parse(text)
        self.assertEqual(table(p), {'s.a': FAIL, 's.b': PASS})
        self.assertEqual(by_name(p.cases, 's.a').diag,
                         ['# a: EXPECTATION FAILED at x.c:3', 'Expected 1 == 2'])

    def test_expectation_goes_to_the_next_case(self):
        # kernel/ktest.c prints a case's failures before its result line; they
        # belong to that case even right after another failed case.
        text = textwrap.dedent('''\
            KTAP version 1
            1..2
            # a: EXPECTATION FAILED at x.c:1: one
            not ok 1 a
            # b: EXPECTATION FAILED at x.c:2: two
            not ok 2 b
            ''')
        p = ktest.parse(text)
        self.assertEqual(by_name(p.cases, 'a').diag, ['# a: EXPECTATION FAILED at x.c:1: one'])
        self.assertEqual(by_name(p.cases, 'b').diag, ['# b: EXPECTATION FAILED at x.c:2: two'])

    def test_diagnostics_after_result(self):
        text = textwrap.dedent('''\
            KTAP version 1
            1..3
            not ok 1 a
            # Traceback (most recent call last):
            # AssertionError: 1 != 2
            ok 2 b
            # b: note about b
            # a: late note about a
            # still a
            ok 3 c
            ''')
        p = ktest.parse(text)
        self.assertEqual(by_name(p.cases, 'a').diag, ['# Traceback (most recent call last):',
                                                      '# AssertionError: 1 != 2',
                                                      '# a: late note about a', '# still a'])
        self.assertEqual(by_name(p.cases, 'b').diag, ['# b: note about b'])
        self.assertEqual(by_name(p.cases, 'c').diag, [])

    def test_suite_not_ok_without_failing_case(self):
        text = 'KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n    ok 1 a\nnot ok 1 s\n'
        p = ktest.parse(text)
        self.assertEqual(table(p), {'s.a': PASS, 's': FAIL})

    def test_skipped_suite(self):
        text = 'KTAP version 1\n1..1\n    # Subtest: fpu\n    1..0\nok 1 fpu # SKIP no FPU\n'
        p = ktest.parse(text)
        self.assertEqual(table(p), {'fpu': SKIP})

    def test_subtest_without_cases_is_a_case(self):
        # The user suite announces each program as a subtest; one that prints no
        # KTAP of its own is still a case, passed or failed by its exit status.
        text = textwrap.dedent('''\
            KTAP version 1
            1..1
                # Subtest: user
                1..3
                    # Subtest: hello
                    hello from Kestrel
                ok 1 user_hello
                    # Subtest: quiet
                not ok 2 user_quiet
                    # Subtest: ktap
                    KTAP version 1
                    1..1
                    ok 1 inner
                ok 3 user_ktap
            not ok 1 user
            ''')
        p = ktest.parse(text)
        self.assertEqual(table(p), {'user.user_hello': PASS, 'user.user_quiet': FAIL,
                                    'user.user_ktap.inner': PASS})

    def test_truncated_by_panic(self):
        text = EXAMPLE.split('    ok 3 huge')[0] + textwrap.dedent('''\
            PANIC: page fault at 0xdeadbeef
            rip=ffffffff80101234 rsp=ffffffff80200000
            backtrace:
              pmm_exhaustion+0x40
            kestrel: exit 2
            ''')
        p = ktest.parse(text)
        self.assertEqual(p.unfinished, 'pmm')
        self.assertEqual(p.exit_code, 2)
        self.assertEqual(p.panic[0], 'PANIC: page fault at 0xdeadbeef')
        self.assertIn('  pmm_exhaustion+0x40', p.panic)
        self.assertNotIn('kestrel: exit 2', p.panic)
        cases = ktest.judge(p, 2)
        self.assertEqual({c.name: c.status for c in cases},
                         {'pmm.alloc_free': PASS, 'pmm.exhaustion': FAIL, 'pmm': FAIL})
        crash = by_name(cases, 'pmm')
        self.assertEqual(crash.reason, 'kernel panic')
        self.assertEqual(crash.diag, p.panic)
        # Without the abnormal end it is still a failure (suite unfinished, plans short).
        self.assertIn('suite did not finish (2 of 3 cases)', [c.reason for c in p.cases])

    def test_truncated_nested(self):
        text = 'KTAP version 1\n1..1\n  # Subtest: a\n  1..1\n    # Subtest: b\n    1..2\n    ok 1 x\n'
        p = ktest.parse(text)
        self.assertEqual(p.unfinished, 'a.b')
        cases = ktest.judge(p, None, 'timeout after 60 s', ['last line'])
        self.assertEqual([(c.name, c.status, c.reason) for c in cases],
                         [('a.b.x', PASS, ''), ('a.b', FAIL, 'timeout after 60 s')])
        self.assertEqual(cases[-1].diag, ['last line'])

    def test_flat_host_ktap_with_root_name(self):
        text = 'KTAP version 1\n1..2\nok 1 sizes\nnot ok 2 offsets\n# offsets: got 512\n'
        p = ktest.parse(text, root='test_xstate_layout')
        self.assertEqual(table(p), {'test_xstate_layout.sizes': PASS,
                                    'test_xstate_layout.offsets': FAIL})
        self.assertEqual(p.cases[1].diag, ['# offsets: got 512'])
        p = ktest.parse('KTAP version 1\n1..3\nok 1 a\n', root='prog')
        self.assertEqual(p.cases[-1].name, 'prog')

    def test_duplicate_case_number_is_rejected(self):
        text = textwrap.dedent('''\
            KTAP version 1
            1..1
                # Subtest: sched
                1..2
                ok 1 yield
                ok 1 yield
                ok 1 yield
                ok 2 sleep
            not ok 1 sched
            ''')
        p = ktest.parse(text)
        self.assertEqual(ktest.counts(p.cases), (1, 1, 0))
        bad = by_name(p.cases, 'sched.ktap')
        self.assertEqual(bad.status, FAIL)
        self.assertIn('case number 1 repeats (after case 1)', bad.reason)
        self.assertEqual(bad.diag, ['ok 1 yield'])

    def test_out_of_order_case_number_is_rejected(self):
        p = ktest.parse('KTAP version 1\n1..3\nok 1 a\nok 3 c\nok 2 b\n')
        self.assertEqual(table(p), {'a': PASS, 'ktap': FAIL})
        self.assertIn('case number 3 out of order (expected 2)', by_name(p.cases, 'ktap').reason)

    def test_more_cases_than_plan_is_rejected(self):
        p = ktest.parse('KTAP version 1\n1..2\nok 1 a\nok 2 b\nok 3 c\nok 4 d\n')
        self.assertEqual(table(p), {'a': PASS, 'b': PASS, 'ktap': FAIL})
        self.assertIn('case 3 is more than the plan 1..2', by_name(p.cases, 'ktap').reason)
        self.assertFalse(any('plan says' in c.reason for c in p.cases))     # one failure, not two

    def test_looping_kernel_counts_once(self):
        # A broken switch_to once replayed the same suite over and over: those
        # are not thousands of passes.
        suite = '    # Subtest: s\n    1..2\n    ok 1 a\n    ok 2 b\nok 1 s\n'
        p = ktest.parse('KTAP version 1\n1..1\n' + suite * 1000)
        self.assertEqual(ktest.counts(p.cases), (2, 1, 0))
        self.assertIn('case number 1 repeats', by_name(p.cases, 'ktap').reason)
        self.assertEqual(ktest.counts(ktest.judge(p, 0)), (2, 1, 0))

    def test_numbering_restarts_in_each_subtest(self):
        p = ktest.parse(EXAMPLE)
        self.assertFalse(any(c.name.endswith('ktap') for c in p.cases))

    def test_results_before_header_are_log(self):
        p = ktest.parse('ok 1 not a test\nkestrel: exit 0\n')
        self.assertFalse(p.saw_ktap)
        self.assertEqual(p.cases, [])


class JudgeTest(unittest.TestCase):
    def test_qemu_exit_status(self):
        self.assertEqual([ktest.qemu_code(s) for s in (1, 3, 5)], [0, 1, 2])
        for status in (0, 2, 7, 255, -9, None):
            self.assertIsNone(ktest.qemu_code(status))

    def test_pass(self):
        p = ktest.parse(EXAMPLE.replace('not ok 2', 'ok 2'))
        self.assertEqual(ktest.counts(ktest.judge(p, 0)), (3, 0, 1))

    def test_failure_counts(self):
        self.assertEqual(ktest.counts(ktest.judge(ktest.parse(EXAMPLE), 1)), (2, 1, 1))

    def test_exit1_without_failing_case(self):
        p = ktest.parse(EXAMPLE.replace('not ok 2', 'ok 2'))
        cases = ktest.judge(p, 1)
        self.assertEqual(cases[-1].status, FAIL)
        self.assertIn('exit status says a test failed', cases[-1].reason)

    def test_crash_keeps_completed_cases(self):
        p = ktest.parse(EXAMPLE.replace('kestrel: exit 1', ''))
        cases = ktest.judge(p, None, 'crash: QEMU exit status 0', ['tail'])
        self.assertEqual(ktest.counts(cases), (2, 2, 1))
        self.assertEqual((cases[-1].name, cases[-1].diag), ('kernel', ['tail']))

    def test_no_ktap(self):
        cases = ktest.judge(ktest.parse('booting\nkestrel: exit 0\n'), 0, tail=['booting'])
        self.assertEqual([(c.status, c.reason) for c in cases], [(FAIL, 'no KTAP output')])

    def test_no_cases(self):
        cases = ktest.judge(ktest.parse('KTAP version 1\n1..0\nkestrel: exit 0\n'), 0)
        self.assertEqual([(c.status, c.reason) for c in cases], [(FAIL, 'no test cases ran')])

    def test_panic_before_ktap(self):
        p = ktest.parse('PANIC: no memory map\nrax=0\nkestrel: exit 2\n')
        cases = ktest.judge(p, 2)
        self.assertEqual([(c.name, c.diag) for c in cases],
                         [('kernel', ['PANIC: no memory map', 'rax=0'])])

    def test_output_format(self):
        self.assertEqual(ktest.case_lines('tcg-max', ktest.Case('pmm.alloc_free', PASS)),
                         ['[tcg-max] ok      pmm.alloc_free'])
        self.assertEqual(ktest.case_lines('tcg-max', ktest.Case('pmm.x', FAIL, '', ['# why'])),
                         ['[tcg-max] FAIL    pmm.x', '        # why'])
        self.assertEqual(ktest.case_lines('bochs-spr', ktest.Case('fpu.xsaves', SKIP, 'no XSAVES')),
                         ['[bochs-spr] SKIP    fpu.xsaves (no XSAVES)'])

    def test_cmdline(self):
        with mock.patch.object(ktest.rows, 'default_cmdline', return_value='console=com1 ktest=none'):
            self.assertEqual(ktest.make_cmdline('all', ''), 'console=com1 ktest=all')
            self.assertEqual(ktest.make_cmdline('all', 'ktest=pmm v=1'), 'console=com1 ktest=pmm v=1')
            self.assertEqual(ktest.make_cmdline('pmm,trap', 'v=1'), 'console=com1 ktest=pmm,trap v=1')
            self.assertEqual(ktest.make_cmdline(None, 'v=1'), 'console=com1 ktest=none v=1')
        # make run EMU=bochs passes its CMDLINE, which is also the ISO's default: once only.
        with mock.patch.object(ktest.rows, 'default_cmdline', return_value='init=sh amx'):
            self.assertEqual(ktest.make_cmdline(None, 'init=sh'), 'amx init=sh')
            self.assertEqual(ktest.make_cmdline(None, 'init=hello amx'), 'init=hello amx')


class RunTest(unittest.TestCase):
    """The process runner and a QEMU row, with shell scripts standing in for QEMU."""

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix='ktest-'))
        self.log = self.dir / 'serial.log'
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def sh(self, script):
        return ['sh', '-c', script, 'sh', str(self.log)]

    def test_exit_status_and_live_lines(self):
        seen = []
        status, why = ktest.run(self.sh('printf "a\\r\\nb\\n" > "$1"; exit 3'),
                                self.log, 10, live=seen.append)
        self.assertEqual((status, why, seen), (3, '', ['a', 'b']))

    def test_timeout_kills_process_group(self):
        t = time.monotonic()
        status, why = ktest.run(self.sh('sleep 30 & sleep 30; echo x > "$1"'), self.log, 0.5)
        self.assertEqual((status, why), (None, 'timeout after 0.5 s'))
        self.assertLess(time.monotonic() - t, 5)

    def test_stops_after_exit_line(self):
        status, why = ktest.run(self.sh('echo "kestrel: exit 0" > "$1"; sleep 30'),
                                self.log, 20, grace=0.2)
        self.assertEqual((status, why), (None, ''))

    def test_output_cap_kills(self):
        t = time.monotonic()
        status, why = ktest.run(self.sh('head -c 3000000 /dev/zero | tr "\\0" x > "$1"; sleep 30'),
                                self.log, 20, max_output=2**20)
        self.assertEqual((status, why), (None, 'serial output over 1 MiB: killed'))
        self.assertLess(time.monotonic() - t, 10)

    def test_stalled_suite_is_named(self):
        t = time.monotonic()
        script = ('printf "KTAP version 1\\n1..2\\n    # Subtest: sched\\n    1..2\\n'
                  '    ok 1 a\\n" > "$1"; sleep 30')
        status, why = ktest.run(self.sh(script), self.log, 20, stall=0.5)
        self.assertEqual(status, None)
        self.assertEqual(why, "no test result for 0.5 s in 'sched' (suite time limit): killed")
        self.assertLess(time.monotonic() - t, 10)

    def test_progress_keeps_a_suite_alive(self):
        script = ('echo "KTAP version 1" > "$1"; for i in 1 2 3 4 5 6; do sleep 0.2; '
                  'echo "ok $i x" >> "$1"; done; exit 3')
        self.assertEqual(ktest.run(self.sh(script), self.log, 20, stall=0.6), (3, ''))

    def qemu_row(self, script, timeout=10):
        fake = self.dir / 'qemu'
        fake.write_text('#!/bin/sh\n'
                        'for a; do case "$a" in file:*) log="${a#file:}";; esac; done\n' + script)
        fake.chmod(0o755)
        args = mock.Mock(timeout=timeout, max_output=4, suite_timeout=60)
        with mock.patch.object(ktest.rows, 'QEMU', str(fake)), mock.patch.object(ktest.rows, 'OUT', self.dir):
            return ktest.run_row('tcg-max', self.dir / 'x.iso', args, True)

    def test_qemu_row_pass_fail_panic_crash(self):
        body = EXAMPLE.replace('kestrel: exit 1', '')
        (self.dir / 'ktap').write_text(body)
        cat = f'cat {self.dir}/ktap > "$log"\n'
        cases, skipped = self.qemu_row(cat + 'exit 3\n')
        self.assertEqual((ktest.counts(cases), skipped), ((2, 1, 1), None))
        cases, _ = self.qemu_row(cat + 'exit 0\n')
        self.assertEqual(cases[-1].reason, 'crash: QEMU exit status 0 (reset / triple fault?)')
        self.assertEqual(ktest.counts(cases), (2, 2, 1))
        cases, _ = self.qemu_row('echo "PANIC: boom" > "$log"; exit 5\n')
        self.assertEqual([(c.name, c.reason, c.diag) for c in cases],
                         [('kernel', 'kernel panic', ['PANIC: boom'])])
        cases, _ = self.qemu_row('echo booting > "$log"; sleep 30\n', timeout=0.5)
        self.assertEqual(cases[-1].reason, 'timeout after 0.5 s')
        self.assertIn('booting', cases[-1].diag)

    def test_stalled_row_fails_naming_the_suite(self):
        script = ('printf "KTAP version 1\\n1..2\\n    KTAP version 1\\n    # Subtest: sched\\n'
                  '    1..2\\n    ok 1 a\\n" > "$log"; sleep 30\n')
        fake = self.dir / 'qemu'
        fake.write_text('#!/bin/sh\n'
                        'for a; do case "$a" in file:*) log="${a#file:}";; esac; done\n' + script)
        fake.chmod(0o755)
        args = mock.Mock(timeout=20, max_output=4, suite_timeout=0.5)
        with mock.patch.object(ktest.rows, 'QEMU', str(fake)), mock.patch.object(ktest.rows, 'OUT', self.dir):
            cases, _ = ktest.run_row('tcg-max', self.dir / 'x.iso', args, True)
        self.assertEqual([(c.name, c.status) for c in cases], [('sched.a', PASS), ('sched', FAIL)])
        self.assertIn("in 'sched' (suite time limit)", cases[-1].reason)

    def test_recap_then_final_line(self):
        body = EXAMPLE.replace('kestrel: exit 1', '')
        (self.dir / 'ktap').write_text(body)
        fake = self.dir / 'qemu'
        fake.write_text('#!/bin/sh\n'
                        'for a; do case "$a" in file:*) log="${a#file:}";; esac; done\n'
                        f'cat {self.dir}/ktap > "$log"; exit 3\n')
        fake.chmod(0o755)
        out = io.StringIO()
        with mock.patch.object(ktest.rows, 'QEMU', str(fake)), mock.patch.object(ktest.rows, 'OUT', self.dir), \
                mock.patch.object(ktest, 'make_iso', return_value=ktest.ROOT / 'x.iso'), \
                mock.patch.object(ktest.rows, 'default_cmdline', return_value=''), \
                contextlib.redirect_stdout(out):
            status = ktest.main(['--row', 'tcg-max', '--suite', 'pmm'])
        lines = out.getvalue().splitlines()
        self.assertEqual(status, 1)
        self.assertEqual(lines[-1], '2 passed, 1 failed, 1 skipped')
        self.assertEqual(lines[-3:-1], ['failures (1):', '  [tcg-max] pmm.exhaustion: '
                                        '# exhaustion: EXPECT failed at mm/pmm_test.c:40: got 3, want 0'])
        self.assertEqual((self.dir / 'summary.txt').read_text().splitlines()[-1], lines[-1])

    def test_recap_line_with_reason_and_diag(self):
        c = ktest.Case('user', FAIL, 'kernel panic', ['PANIC: #GP', 'rip=0'])
        self.assertEqual(ktest.recap([('bochs-spr', c)]),
                         ['', 'failures (1):', '  [bochs-spr] user: kernel panic: PANIC: #GP'])
        self.assertEqual(ktest.recap([]), [])

    def test_missing_emulator_is_a_skip(self):
        with mock.patch.object(ktest.rows, 'QEMU', 'no-such-qemu-binary'):
            self.assertEqual(ktest.run_row('tcg-max', None, None, True),
                             ([], 'no-such-qemu-binary not found'))
        with mock.patch.object(ktest.rows, 'BOCHS_PREFIX', self.dir / 'nope'):
            self.assertEqual(ktest.run_row('bochs-spr', None, None, True),
                             ([], 'bochs 3.0 not built: run make deps'))


if __name__ == '__main__':
    unittest.main()
