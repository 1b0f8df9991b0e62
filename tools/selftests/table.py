#!/usr/bin/env python3
"""Write the table of Linux selftest results into docs/selftests.md, from the
last run (build/ktest/summary.txt, lines "[ROW+selftests] STATUS selftests.selftest.NAME (why)")
and the build (build/selftests/programs.txt).

    tools/selftests/table.py          print the table
    tools/selftests/table.py --write  replace the table between <!-- results --> markers
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ('tcg-max', 'tcg-base', 'bochs-spr')
DOC = ROOT / 'docs' / 'selftests.md'
LINE = re.compile(r'^\[([\w-]+)\+selftests\] (ok|FAIL|SKIP)\s+selftests\.selftest\.(\S+)(?: \((.*)\))?$')


def results():
    built = {}
    for ln in (ROOT / 'build' / 'selftests' / 'programs.txt').read_text().splitlines():
        name, _, rest = ln.partition(' ')
        built[name] = rest
    seen = {}
    summary = ROOT / 'build' / 'ktest' / 'summary.txt'
    for ln in summary.read_text().splitlines() if summary.exists() else []:
        if m := LINE.match(ln):
            seen[(m[3], m[1])] = (m[2], m[4] or '')
    return built, seen


def cell(status, why):
    if status == 'ok':
        return 'pass'
    if status == 'FAIL':
        return 'FAIL'
    if why.startswith('expected failure'):
        return 'fails (known, below)'
    if 'KSFT_SKIP' in why:
        return 'skips itself'
    return f'skip: {why}'


def table():
    built, seen = results()
    lines = ['| program | ' + ' | '.join(ROWS) + ' |', '|---|' + '---|' * len(ROWS)]
    notes = []
    for name in sorted(built):
        if built[name] != 'built':
            cells = ['not built'] * len(ROWS)
            notes.append(f'- `{name}` {built[name]}')
        else:
            cells = [cell(*seen[(name, r)]) if (name, r) in seen else 'not run' for r in ROWS]
        lines.append(f'| `{name}` | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines + ([''] + notes if notes else []))


def main():
    t = table()
    if '--write' not in sys.argv:
        print(t)
        return 0
    text = DOC.read_text()
    new = re.sub(r'(<!-- results -->\n)(?:.*?\n)?(<!-- /results -->)', lambda m: m[1] + t + '\n' + m[2], text,
                 flags=re.S)
    DOC.write_text(new)
    return 0


if __name__ == '__main__':
    sys.exit(main())
