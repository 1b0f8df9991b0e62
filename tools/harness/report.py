"""What the harness prints per case and at the end."""
from harness.ktap import FAIL, PASS, SKIP, TODO  # noqa: F401

def case_lines(row, c):
    label = {PASS: 'ok', FAIL: 'FAIL', SKIP: 'SKIP', TODO: 'TODO'}[c.status]
    lines = [f'[{row}] {label:<7} {c.name}' + (f' ({c.reason})' if c.reason else '')]
    return lines + [f'        {d}' for d in c.diag] if c.status == FAIL else lines


def recap(failures):
    """Every failure again, one line each (row, case, reason or first diagnostic),
    so the first real failure is on screen above the totals, not scrolled away."""
    if not failures:
        return []
    lines = ['', f'failures ({len(failures)}):']
    for row, c in failures:
        first = c.reason or next((d.strip() for d in c.diag if d.strip()), '')
        if c.reason and c.diag:
            first += f': {c.diag[0].strip()}'
        lines.append(f'  [{row}] {c.name}' + (f': {first}' if first else ''))
    return lines


def counts(cases):
    return tuple(sum(c.status in s for c in cases) for s in ((PASS,), (FAIL,), (SKIP, TODO)))
