"""Linux's selftests on every row (docs/selftests.md): the boot of
build/kestrel-selftests.iso (ktest=selftests, built by `make selftests`), and
the table of programs known not to pass on a row, tools/selftests/expected.txt.

A line of that table is `NAME ROWS REASON`: ROWS is `all` or rows joined by
commas. A listed program that fails there is reported skipped, "expected
failure: REASON"; one that passes there fails, so the table never says less
than the truth."""
import copy
from pathlib import Path

from harness.ktap import FAIL, PASS, SKIP, Case
from harness.rows import ROOT, run_row

ISO = ROOT / 'build' / 'kestrel-selftests.iso'
SKIP_FILE = ROOT / 'build' / 'selftests' / 'skip.txt'
EXPECTED = ROOT / 'tools' / 'selftests' / 'expected.txt'
BOOT_TIMEOUT = 1200     # seconds: 23 programs, some of them long, on Bochs


def expected():
    table = {}
    for line in EXPECTED.read_text().splitlines() if EXPECTED.exists() else []:
        if line.strip() and not line.startswith('#'):
            name, rows, reason = line.split(None, 2)
            for row in rows.split(','):
                table[(name, row)] = reason
    return table


def program(case_name):
    """selftests.selftest.x86-sigaltstack -> x86-sigaltstack"""
    return case_name.rsplit('.', 1)[-1]


def judge(row, cases, table=None):
    table = expected() if table is None else table
    out = []
    for c in cases:
        why = table.get((program(c.name), row)) or table.get((program(c.name), 'all'))
        if why and c.status == FAIL:
            c = Case(c.name, SKIP, f'expected failure: {why}')
        elif why and c.status == PASS:
            c = Case(c.name, FAIL, 'passed, but tools/selftests/expected.txt says it fails here: '
                     'remove its line', c.diag)
        out.append(c)
    return out


def run(row, args):
    """The selftests boot on one row: (cases, None) or ([], why it is skipped)."""
    if not ISO.exists():
        why = SKIP_FILE.read_text().strip() if SKIP_FILE.exists() else 'not built: run make selftests'
        return [], f'selftests: {why}'
    a = copy.copy(args)
    a.timeout = max(args.timeout, BOOT_TIMEOUT) if args.timeout else 0
    cases, skipped = run_row(row, ISO, a, True, None, f'{row}+selftests')
    return (judge(row, cases), None) if not skipped else ([], skipped)


__all__ = ['ISO', 'run', 'judge', 'expected', 'Path']
