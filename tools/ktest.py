#!/usr/bin/env python3
"""ktest.py - Kestrel's test harness: boots the kernel in emulators, runs host tests.

Each emulator row boots the kernel with ktest=... on its command line and reads
KTAP version 1 (KUnit's nested form) from the serial log. Prints one line per
test case, a summary per row, a recap of every failure (row, case, first
diagnostic), then exactly one final line "N passed, N failed, N skipped"; exit
status 0 iff nothing failed.

    [tcg-max] ok      pmm.alloc_free
    [tcg-max] FAIL    pmm.exhaustion
            # exhaustion: EXPECTATION FAILED at mm/pmm_test.c:40: expected n == 0: got 0x3, want 0x0
    [tcg-max] SKIP    pmm.huge (needs 1 GiB)
    [bochs-spr] SKIP (row) bochs 3.0 not built: run make deps

A KTAP level whose case numbers repeat, skip, or run past its plan is a failure
(`ktap`), and its later results are not counted. A test boot is killed when it
prints more than --max-output MiB, or when no result line comes for
--suite-timeout s (the case failed is the suite that hung).

Usage (run from anywhere; paths are relative to the repo root):
  tools/ktest.py                        all rows with ktest=all + host tests (make test)
  tools/ktest.py --row tcg-max --suite pmm,trap             some suites on one row
  tools/ktest.py --cmdline 'ktest=pmm foo'  EXTRA appended to the kernel command line
  tools/ktest.py --raw [--suite pmm]    boot tcg-max (or --row) showing the serial log live
  tools/ktest.py --raw --cmdline 'foo'  just boot (no ktest=), stop at "kestrel: exit N"
  tools/ktest.py --selftests [--row R]  only Linux's selftests (make selftests), each row
  tools/ktest.py --host-only | --no-host | --list-rows | --timeout S | --jobs N
  tools/ktest.py --suite-timeout S | --max-output MIB   limits per test boot (0: none)

Rows: tcg-max, tcg-base (QEMU TCG, -cpu max / qemu64; exit status (N<<1)|1 via
isa-debug-exit: 1 pass, 3 test failure, 5 panic, anything else a crash) and
bochs-spr (Bochs 3.0 in $KESTREL_CACHE/bochs-3.0, default ~/.cache/kestrel, built
by `make deps`; the serial line "kestrel: exit N" decides). A row whose emulator
is missing is reported skipped. Host tests (row "host"): the programs printed by
`make -s print-host-tests` (flat KTAP on stdout, exit 0 iff pass) and the unittest
modules tests/test_*.py; they run unless --no-host/--raw, or --row without "host".

Logs: build/ktest/<row>.log (a row's whole serial log: boot log and raw KTAP),
build/ktest/host.log, build/ktest/summary.txt. Non-default command lines get
their own ISO, cached in build/ktest/iso-<hash>/. Env: KESTREL_CACHE, KESTREL_QEMU.
Run by hand (not from make), it first runs `make all`, so it boots what you edited.
"""
import argparse, fcntl, os, subprocess, sys, threading  # noqa: E401
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import rows  # noqa: E402  (tests patch rows.QEMU, rows.OUT; main's list is `targets`)
from harness.ktap import *  # noqa: E402,F401,F403  (the parser, for tests/test_ktest.py)
from harness.ktap import FAIL, parse, judge, qemu_code  # noqa: E402,F401
from harness.rows import (ROOT, ROWS, BOCHS_PREFIX, STOP, Failure, run, make_cmdline,  # noqa: E402,F401
                          make_iso, skip_reason, run_row)
from harness.host import host_tests, py_ktap  # noqa: E402
from harness.report import case_lines, recap, counts  # noqa: E402
from harness import selftests  # noqa: E402

# The whole matrix (no --row/--suite/--cmdline) also boots each row once per
# save strategy it supports besides its default (xsave=...), running the
# extended-state suites, and once with each deliberate crash, which must
# panic with a symbolized backtrace naming the crashing function.
VARIANT_SUITES = 'xstate,fpu,user'
VARIANTS = {'tcg-max': ['xsave=xsave', 'xsave=fxsave'],
            'tcg-base': [],
            'bochs-spr': ['xsave=xsavec', 'xsave=xsaveopt', 'xsave=xsave', 'xsave=fxsave', 'amx']}
CRASHES = {'tcg-max': {'crash=null': 'crash_null', 'crash=stack': 'crash_stack'}}
RUN_LOCK = None           # build/ktest/.lock, held while main() runs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--row', action='append', choices=[*ROWS, 'host'], help='row to run (repeatable)')
    ap.add_argument('--suite', help='suites to run: sets ktest=a,b')
    ap.add_argument('--cmdline', help='appended to the kernel command line; its ktest= wins')
    ap.add_argument('--no-host', action='store_true', help='skip the host tests')
    ap.add_argument('--host-only', action='store_true', help='only the host tests')
    ap.add_argument('--raw', action='store_true', help='print the serial log as it comes')
    ap.add_argument('--kernel', choices=('test', 'run'), default='test',
                    help='boot build/kestrel-test.iso (default: the in-kernel tests) or build/kestrel.iso')
    ap.add_argument('--list-rows', action='store_true', help='list the rows, and why one cannot run')
    ap.add_argument('--timeout', type=float, default=120, help='seconds per boot (default 120; 0: none)')
    ap.add_argument('--suite-timeout', type=float, default=60,
                    help='a test boot is killed after this many seconds without a KTAP result '
                    'line, naming the suite (default 60; 0: none)')
    ap.add_argument('--max-output', type=float, default=4,
                    help='MiB of serial output a test boot may print before it is killed (default 4; 0: none)')
    ap.add_argument('--jobs', type=int, default=2, help='rows run in parallel (default 2)')
    ap.add_argument('--selftests', action='store_true',
                    help="only Linux's selftests (build/kestrel-selftests.iso, make selftests) on the rows")
    ap.add_argument('--py-ktap', help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.kernel == 'run':
        rows.ISODIR, rows.ISO = ROOT / 'build' / 'isodir', ROOT / 'build' / 'kestrel.iso'
    if a.py_ktap:
        return py_ktap(a.py_ktap)
    if a.list_rows:
        for row, cpu in ROWS.items():
            what = f'QEMU TCG -cpu {cpu}' if cpu else f'Bochs 3.0 ({BOCHS_PREFIX})'
            print(f'{row:10} {what:45} {skip_reason(row) or "available"}')
        print(f'{"host":10} make -s print-host-tests, tests/test_*.py')
        return 0
    targets = [] if a.host_only else [r for r in dict.fromkeys(a.row or (['tcg-max'] if a.raw else ROWS))
                                   if r != 'host']
    host = a.host_only or not (a.no_host or a.raw or (a.row and 'host' not in a.row))
    suite = a.suite or (None if a.raw and a.cmdline is not None else 'all')
    tests = suite is not None or 'ktest=' in (a.cmdline or '')
    rows.OUT.mkdir(parents=True, exist_ok=True)
    # One run at a time: runs share build/ktest/<row>.log and the ISO cache.
    global RUN_LOCK
    if RUN_LOCK:
        RUN_LOCK.close()
    RUN_LOCK = open(rows.OUT / '.lock', 'w')     # held until this process exits
    try:
        fcntl.flock(RUN_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print('ktest: another run is using build/ktest; waiting for it', flush=True)
        fcntl.flock(RUN_LOCK, fcntl.LOCK_EX)
    iso, lock = None, threading.Lock()
    if a.selftests:
        host = False
    if not a.selftests and any(skip_reason(r) is None for r in targets):
        cmdline = make_cmdline(suite, a.cmdline or '')
        try:
            iso = make_iso(cmdline)
            print(f'ktest: rows {" ".join(targets)}; cmdline "{cmdline}"; {iso.relative_to(ROOT)}')
        except Failure as e:
            iso = e

    def live(row):
        def out(line):
            with lock:
                print(f'[{row}] {line}' if len(targets) > 1 else line, flush=True)
        return out if a.raw else None

    # The whole matrix: the strategy variants and the deliberate crashes too.
    extra = []
    if not (a.row or a.suite or a.cmdline or a.raw or a.host_only or a.selftests):
        for r in targets:
            for v in VARIANTS.get(r, []):
                extra.append((f'{r}+{v}', r, make_cmdline(VARIANT_SUITES, v), None))
            for c, fn in CRASHES.get(r, {}).items():
                extra.append((f'{r}+{c}', r, make_cmdline(None, c), fn))

    def iso_for(cmdline):
        try:
            return make_iso(cmdline)
        except Failure as e:
            return e

    report, totals, failures = [], [], []
    with ThreadPoolExecutor(max(1, a.jobs)) as ex:
        # the host row is the longest (it grades every lab's student tree): started first, reported last
        hosted = [('host', ex.submit(host_tests, a.timeout))] if host else []
        jobs = [] if a.selftests else [(r, ex.submit(run_row, r, iso, a, tests, live(r))) for r in targets]
        if a.selftests or not (a.row or a.suite or a.cmdline or a.raw or a.host_only):
            jobs += [(f'{r}+selftests', ex.submit(selftests.run, r, a)) for r in targets]
        jobs += [(label, ex.submit(run_row, r, iso_for(c), a, True, None, label, fn))
                 for label, r, c, fn in extra]
        jobs += hosted
        try:
            for row, fut in jobs:
                cases, skipped = fut.result()
                lines = [f'[{row}] SKIP (row) {skipped}'] if skipped else \
                    [ln for c in cases for ln in case_lines(row, c)]
                with lock:
                    print('\n'.join(lines), flush=True)
                report += lines
                failures += [(row, c) for c in cases if c.status == FAIL]
                where = f'skipped: {skipped}' if skipped else f'build/ktest/{row}.log'
                totals.append((row, *((0, 0, 1) if skipped else counts(cases)), where))
        except KeyboardInterrupt:
            STOP.set()
            raise
    lines = ['', 'summary:'] + [f'  {r:10} {p:4} passed, {f:3} failed, {s:3} skipped   {x}'
                                for r, p, f, s, x in totals]
    p, f, s = (sum(t[i] for t in totals) for i in (1, 2, 3))
    lines += ['serial logs (boot log + raw KTAP): build/ktest/<row>.log; '
              'this report: build/ktest/summary.txt'] + recap(failures)
    lines.append(f'{p} passed, {f} failed, {s} skipped')
    print('\n'.join(lines))
    (rows.OUT / 'summary.txt').write_text('\n'.join(report + lines) + '\n')
    return 0 if f == 0 else 1


def build_first(argv):
    """Run by hand, not by make: build what changed first, as make test does,
    so a run never boots a kernel older than the source."""
    if 'MAKELEVEL' in os.environ or {'--py-ktap', '--list-rows', '-h', '--help'} & set(argv):
        return 0
    return subprocess.run(['make', '-s', '--no-print-directory', 'all'], cwd=ROOT).returncode


if __name__ == '__main__':
    if build_first(sys.argv[1:]):
        sys.exit('ktest: make failed; nothing booted')
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
