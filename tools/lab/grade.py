#!/usr/bin/env python3
"""grade.py - make grade LAB=name: build, run one lab's tests, print the score.

One line per test, with its time and points, then `Score: x/y`; exit status
0 only with full marks.  In-kernel tests run in one boot per row (ktest=
naming just the lab's cases); host tests run as programs.  Fail-fast: after
the first failure the rest are not run (--all runs them anyway).  Every
test has a time limit, multiplied by $KESTREL_GRADE_TIMEOUT_SCALE for slow
machines.  Tests draw their patterns from a seed, printed so that a failure
can be replayed: make grade LAB=name SEED=n.

Tests that need the real CPUID dumps (the XSAVE layout lab's) read them from
$KESTREL_LAB_DATA, else tests/data/cpuid; a student tree does not have
them, and there those tests are held back: left out of the score, and
graded when the instructor runs the grader on the handed-in work.

    tools/lab/grade.py LAB [--seed N] [--all] [--no-build] [--json FILE]
"""
import argparse, json, os, random, subprocess, sys, threading, time  # noqa: E401
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from labs import BY_NAME  # noqa: E402
from harness import rows  # noqa: E402
from harness.ktap import PASS, SKIP, RESULT_RE, JUNK_RE, parse, judge, qemu_code, tail  # noqa: E402

ROOT = rows.ROOT
OUT = ROOT / 'build' / 'grade'
SCALE = float(os.environ.get('KESTREL_GRADE_TIMEOUT_SCALE') or 1)
BOOT_ALLOWANCE = 30             # seconds for a row to boot, before its first test's limit


class Item:
    """One test on one row: what is printed and scored."""
    def __init__(self, lab, test, row):
        self.lab, self.test, self.row = lab, test, row
        multi = len(test.rows or lab.rows) > 1 if test.case else False
        self.title = f'{test.name} [{row}]' if multi else test.name
        self.status, self.seconds, self.why, self.diag = None, 0.0, '', []

    @property
    def limit(self):
        return self.test.timeout * SCALE


def data_dir():
    d = Path(os.environ.get('KESTREL_LAB_DATA') or ROOT / 'tests' / 'data' / 'cpuid')
    return d if (d / 'oracles.tsv').exists() else None


def build(lab):
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / 'make.log'
    with open(log, 'w') as f:
        r = subprocess.run(['make', '-j', str(os.cpu_count() or 2), *lab.targets], cwd=ROOT,
                           stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        print('\n'.join(tail(log.read_text(errors='replace'), 25)))
        print(f'make failed ({log.relative_to(ROOT)})')
    return r.returncode == 0


def run_host(item, seed):
    t = item.test
    argv = [a.replace('{seed}', str(seed)).replace('{data}', str(data_dir() or '')) for a in t.host]
    start = time.monotonic()
    try:
        r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, errors='replace', timeout=item.limit)
        ok, out = r.returncode == 0, r.stdout + r.stderr
        why = '' if ok else f'exit status {r.returncode}'
    except subprocess.TimeoutExpired as e:
        ok, out, why = False, (e.stdout or b'').decode(errors='replace'), f'no answer in {item.limit:g} s'
    except OSError as e:
        ok, out, why = False, '', str(e)
    item.seconds = time.monotonic() - start
    item.status = PASS if ok else 'FAIL'
    item.why = why
    item.diag = [ln for ln in out.splitlines() if 'not ok' in ln or 'FAIL' in ln or 'want' in ln][:8] \
        or tail(out, 8)


def matching(cases, names):
    names = names.split(',')
    return [c for c in cases if any(c.name == n or c.name.startswith(n + '.') for n in names)]


def ran_in(case, names):
    """Did a crash reported as `case` (a suite or case name) happen in one of names?"""
    return any(case.name.startswith(n) or n.startswith(case.name + '.') or n == case.name
               for n in names.split(','))


def run_row(row, items, seed, fail_fast, stop):
    """Boot row once for its items' cases; fill in each item's verdict."""
    if reason := rows.skip_reason(row):
        for it in items:
            it.status, it.why = SKIP, f'row {row} cannot run here: {reason}'
        return
    # The kernel selects suite.case; a program's own subtests are below that.
    select = dict.fromkeys('.'.join(n.split('.')[:2]) for it in items for n in it.test.case.split(','))
    cmdline = rows.make_cmdline(','.join(select), f'seed={seed}')
    try:
        iso = rows.make_iso(cmdline)
    except rows.Failure as e:
        for it in items:
            it.status, it.why = 'FAIL', str(e)
        return
    log = OUT / f'{row}.log'
    text, seen, pending = [], {}, list(items)     # seen: case name -> when its result came
    t0 = time.monotonic()
    last = [t0]
    quit, why_killed = threading.Event(), []

    def console(name):
        """What programs printed on the console while case `name` ran: the
        plain lines between the result before it and its own."""
        lines, out = [JUNK_RE.sub('', ln).strip() for ln in text], []
        leaf = name.split('.')[-1]
        end = next((i for i, ln in enumerate(lines) if RESULT_RE.fullmatch(ln) and
                    RESULT_RE.fullmatch(ln)[3].split(' #')[0].strip() == leaf), len(lines))
        for ln in reversed(lines[:end]):
            if RESULT_RE.fullmatch(ln) or ln.startswith(('KTAP', '# Subtest')):
                break
            if ln and not ln.startswith(('#', '1..')):
                out.insert(0, f'console: {ln}')
        return out[-6:]

    def verdict(it, got, now):
        times = [seen[c.name] for c in got]
        before = [t for t in seen.values() if t < min(times)]
        it.seconds = max(times) - (max(before) if before else t0)
        # A subtest the CPU cannot run may skip, if others of the group pass.
        bad = [c for c in got if c.status != PASS and not (c.status == SKIP and len(got) > 1)]
        bad = bad or ([] if any(c.status == PASS for c in got) else got)
        it.status = 'FAIL' if bad else PASS
        if bad:
            c = bad[0]
            it.why = f'{c.name}: ' + (f'skipped: {c.reason}' if c.status == SKIP else c.reason or 'failed')
            said = {d.strip() for d in c.diag}
            it.diag = c.diag[:12] + [ln for ln in console(c.name) if ln[len('console: '):] not in said]

    def live(line):
        text.append(line)
        if not RESULT_RE.fullmatch(JUNK_RE.sub('', line).strip()):
            return
        now = time.monotonic()
        last[0] = now
        # What has come so far: a suite still running is not yet a failure.
        cases = [c for c in parse('\n'.join(text)).cases if not c.cut]
        for c in cases:
            seen.setdefault(c.name, now)
        for it in list(pending):
            got = matching(cases, it.test.case)
            # Complete once a case that is not its own has come after its last.
            if got and cases.index(got[-1]) < len(cases) - 1:
                verdict(it, got, now)
                pending.remove(it)
                if it.status != PASS and fail_fast:
                    quit.set()

    def watchdog():
        while not quit.is_set():
            if pending:
                limit = max(it.limit for it in pending) + (BOOT_ALLOWANCE * SCALE if not seen else 0)
                if time.monotonic() - last[0] > limit:
                    why_killed.append(f'no result in {limit:g} s: killed (the time limit; '
                                      'KESTREL_GRADE_TIMEOUT_SCALE scales it)')
                    quit.set()
            if stop.is_set():
                quit.set()
            time.sleep(0.1)

    threading.Thread(target=watchdog, daemon=True).start()
    cmd, cwd = boot_command(row, iso, log)
    with open(OUT / f'{row}.emulator.txt', 'wb') as out:
        status, killed = rows.run(cmd, log, 0, cwd, out, live, quit=quit)
    quit.set()
    full = log.read_text(errors='replace') if log.exists() else ''
    p = parse(full)
    code = qemu_code(status) if rows.ROWS[row] else p.exit_code
    stopped = killed == 'quit' and not why_killed
    if stopped:
        killed = ''             # fail-fast stopped it: the rest are "not run"
        code = 1
    cases = judge(p, None if killed else code, killed, tail(full))
    cut = [c for c in cases if c.cut and stopped]   # suites fail-fast cut short: not failed, not finished
    cases = [c for c in cases if c not in cut]
    now = time.monotonic()
    for c in cases:
        seen.setdefault(c.name, now)
    # A case outside the lab's that failed (a skipped one did not run) ended the boot.
    crash = [c for c in cases if c.status not in (PASS, SKIP) and not any(matching([c], i.test.case) for i in items)]
    first = next((c for c in cases if c.status not in (PASS, SKIP)), None)
    blamed = next((it for it in pending if crash and ran_in(crash[-1], it.test.case)), None)
    blamed = blamed or (pending[0] if pending else None)
    for it in pending:
        got = matching(cases, it.test.case)
        ok = got and any(c.status == PASS for c in got) and all(c.status in (PASS, SKIP) for c in got)
        if ok and not matching(cut, it.test.case):
            verdict(it, got, now)
            continue
        it.status, it.seconds = 'FAIL', now - last[0]
        if got and not ok:
            verdict(it, got, now)
        elif why_killed and it is blamed:
            it.why = why_killed[0]
        elif crash and it is blamed:
            it.why = crash[-1].reason or 'the boot ended'
            it.diag = [d for d in crash[-1].diag if d.strip()][:12]
        elif crash:
            it.why = f'not run: {crash[-1].reason or "the boot ended"} in {crash[-1].name}'
        else:
            it.why = (f'not run: {first.name} failed first' if first and fail_fast else
                      'not run: an earlier test failed' if fail_fast else 'no result: the boot ended first')
    # The kernel names each stub that ran (LAB_TODO): say so under the row's first failure.
    todo = dict.fromkeys(JUNK_RE.sub('', ln).strip() for ln in full.splitlines() if 'lab: not written yet:' in ln)
    failed = [it for it in items if it.status == 'FAIL' and not it.why.startswith('not run')]
    if failed:
        failed[0].diag += [f'console: {t}' for t in todo if not any(t in d for d in failed[0].diag)]


def boot_command(row, iso, log):
    log.unlink(missing_ok=True)
    if cpu := rows.ROWS[row]:
        return rows.qemu_argv(cpu, iso, '-serial', f'file:{log}', '-monitor', 'none', qemu=rows.QEMU), ROOT
    cwd = OUT / row
    cwd.mkdir(parents=True, exist_ok=True)
    cfg = (ROOT / 'tools' / 'bochsrc.txt').read_text().replace('@ISO@', str(iso))
    cfg = cfg.replace('@COM1@', f'mode=file, dev="{log}"').replace('@PREFIX@', str(rows.BOCHS_PREFIX))
    (cwd / 'bochsrc').write_text(cfg)
    return [str(rows.BOCHS_PREFIX / 'bin' / 'bochs'), '-q', '-f', 'bochsrc'], cwd


def grade(lab, seed, fail_fast, out=print):
    OUT.mkdir(parents=True, exist_ok=True)
    items, held = [], []
    for t in lab.tests:
        if t.needs == 'dumps' and not data_dir():
            held.append(t)
            continue
        for row in (t.rows or lab.rows) if t.case else ('host',):
            items.append(Item(lab, t, row))
    stop = threading.Event()
    by_row = {}
    for it in items:
        by_row.setdefault(it.row, []).append(it)
    for row, its in by_row.items():
        if stop.is_set():
            for it in its:
                it.status, it.why = 'FAIL', 'not run: an earlier test failed'
            continue
        if row == 'host':
            for it in its:
                if stop.is_set():
                    it.status, it.why = 'FAIL', 'not run: an earlier test failed'
                    continue
                run_host(it, seed)
                if it.status != PASS and fail_fast:
                    stop.set()
        else:
            run_row(row, its, seed, fail_fast, stop)
            if fail_fast and any(it.status != PASS for it in its):
                stop.set()
    score = total = 0
    for it in items:
        if it.status == SKIP:
            out(f'== lab {lab.name}: {it.title} == skipped, not counted: {it.why}')
            continue
        total += it.test.points
        ok = it.status == PASS
        score += it.test.points if ok else 0
        if it.why.startswith('not run'):
            out(f'== lab {lab.name}: {it.title} == {it.why} (0/{it.test.points})')
            continue
        out(f'== lab {lab.name}: {it.title} == {"OK" if ok else "FAIL"} ({it.seconds:.1f}s) '
            f'({it.test.points if ok else 0}/{it.test.points})')
        if not ok:
            out(f'    {it.why}')
            for d in it.diag:
                out(f'    {d.strip()}')
            if it.test.hint:
                out(f'    hint: {it.test.hint}')
    for t in held:
        out(f'== lab {lab.name}: {t.name} == held back ({t.points} points): the real CPUID dumps are '
            'graded by your instructor (KESTREL_LAB_DATA)')
    return score, total, items


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('lab', choices=list(BY_NAME))
    ap.add_argument('--seed', type=int, default=int(os.environ.get('SEED') or 0) or None)
    ap.add_argument('--all', action='store_true', help='run every test, even after a failure')
    ap.add_argument('--no-build', action='store_true')
    ap.add_argument('--json', help='write the results here')
    a = ap.parse_args()
    lab = BY_NAME[a.lab]
    seed = a.seed or random.randrange(1, 1 << 31)
    print(f'lab {lab.name}: {lab.title} (docs/labs/{lab.name}.md); seed {seed} '
          f'(replay: make grade LAB={lab.name} SEED={seed})')
    if not a.no_build and not build(lab):
        total = sum(t.points * (len(t.rows or lab.rows) if t.case else 1) for t in lab.tests)
        print(f'Score: 0/{total}')
        return 1
    score, total, items = grade(lab, seed, not a.all)
    if skipped := sum(it.why.startswith('not run') for it in items):
        print(f'({skipped} tests not run after the first failure: tools/lab/grade.py {lab.name} --all '
              'runs every one)')
    print(f'Score: {score}/{total}')
    if a.json:
        Path(a.json).write_text(json.dumps({'lab': lab.name, 'seed': seed, 'score': score, 'total': total,
                                            'tests': [{'name': it.title, 'row': it.row, 'status': it.status,
                                                       'why': it.why} for it in items]}, indent=1))
    return 0 if score == total else 1


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        rows.STOP.set()
        sys.exit(130)
