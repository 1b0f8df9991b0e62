"""The host row: the Makefile's host test programs and the unittest modules
tests/test_*.py, each read as KTAP."""
import re, subprocess, sys  # noqa: E401
from pathlib import Path

from harness.ktap import *  # noqa: F401,F403  (Case, the statuses, the patterns, parse, judge)
from harness import rows
from harness.rows import ROOT, run, Failure  # noqa: F401

def host_tests(timeout):
    """The Makefile's host test programs and tests/test_*.py, each printing KTAP."""
    cases, logs, runs = [], [], []
    timeout = timeout if timeout > 0 else None
    try:
        r = subprocess.run(['make', '-s', 'print-host-tests'], cwd=ROOT, capture_output=True,
                           text=True, errors='replace', timeout=timeout)
        if r.returncode:
            cases.append(Case('make', FAIL, 'make -s print-host-tests failed', tail(r.stderr)))
        for x in r.stdout.split() if r.returncode == 0 else []:
            name = Path(x).stem if Path(x).stem != 'test' else Path(x).parent.name  # gdb/test.sh
            runs.append((name, [str(ROOT / x)]))
    except (OSError, subprocess.TimeoutExpired) as e:
        cases.append(Case('make', FAIL, f'make -s print-host-tests: {e}'))
    runs = [(name, cmd, timeout, name) for name, cmd in runs]
    for f in sorted((ROOT / 'tests').glob('test_*.py')):     # one run each: a timeout names its module
        runs.append(('py', [sys.executable, str(ROOT / 'tools' / 'ktest.py'), '--py-ktap', str(f)],
                     module_timeout(f, timeout), f'py.{f.stem}'))
    for name, cmd, limit, fallback in runs:
        why = ''
        try:
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=limit)
            status, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err, why = None, e.stdout or b'', e.stderr or b'', f'timeout after {limit:g} s'
        except OSError as e:
            status, out, err, why = None, b'', b'', f'cannot run: {e}'
        out, err = out.decode(errors='replace'), err.decode(errors='replace')
        if status is not None and status < 0:
            why = f'killed by signal {-status}'
        code = None if status is None or status < 0 else min(status, 1)
        cases += judge(parse(out, root=name), code, why, tail(out + err), fallback=fallback)
        logs.append(f'==== {" ".join(cmd)} (exit {status})\n{out}{err}\n')
    (rows.OUT / 'host.log').write_text(''.join(logs))
    return cases, None


TIMEOUT_RE = re.compile(r'^TIMEOUT = (\d+)\b', re.M)


def module_timeout(f, timeout):
    """A boot's timeout, or the longer one a module that builds and boots whole
    trees declares at its top (TIMEOUT = seconds); 0 or None stays no limit."""
    m = TIMEOUT_RE.search(f.read_text())
    return max(timeout, int(m[1])) if timeout and m else timeout


def py_ktap(path):
    """Hidden --py-ktap mode: run one unittest module (or a directory of them),
    print the results as KTAP."""
    import unittest
    path = Path(path)
    testdir, pattern = (path, 'test_*.py') if path.is_dir() else (path.parent, path.name)
    results = []

    class Result(unittest.TestResult):
        def addSuccess(self, t): results.append(('ok', t, ''))
        def addSkip(self, t, why): results.append(('ok', t, f'# SKIP {why}'))
        def addFailure(self, t, err): results.append(('not ok', t, self._exc_info_to_string(err, t)))
        def addError(self, t, err): results.append(('not ok', t, self._exc_info_to_string(err, t)))
        def addExpectedFailure(self, t, err): results.append(('not ok', t, '# TODO expected failure'))
        def addUnexpectedSuccess(self, t): results.append(('not ok', t, 'unexpected success'))

        def addSubTest(self, t, sub, err):
            if err is not None:
                results.append(('not ok', sub, self._exc_info_to_string(err, t)))

    suite = unittest.defaultTestLoader.discover(str(testdir), pattern=pattern, top_level_dir=str(testdir))
    real, sys.stdout = sys.stdout, sys.stderr       # keep the tests' prints out of the KTAP
    try:
        suite.run(Result())
    finally:
        sys.stdout = real
    print(f'KTAP version 1\n1..{len(results)}')
    for i, (st, t, extra) in enumerate(results, 1):
        if extra.startswith('#'):
            print(f'{st} {i} {t.id()} {extra}')
        else:
            print(f'{st} {i} {t.id()}' + ''.join(f'\n# {ln}' for ln in extra.splitlines()))
    return 0 if all(st == 'ok' for st, _, _ in results) else 1
