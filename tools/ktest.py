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
"""
import argparse, fcntl, hashlib, os, pty, re, shutil, signal, subprocess, sys, termios, threading, time, tty  # noqa: E401,E501
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The test kernel's ISO tree and ISO (the Makefile's); --kernel run picks make run's.
OUT, ISODIR, ISO = ROOT / 'build' / 'ktest', ROOT / 'build' / 'isodir-test', ROOT / 'build' / 'kestrel-test.iso'
BOCHS_PREFIX = Path(os.environ.get('KESTREL_CACHE') or Path.home() / '.cache/kestrel') / 'bochs-3.0'
sys.path.insert(0, str(Path(__file__).resolve().parent))
from qemu import QEMU, qemu_argv  # noqa: E402  (tools/qemu.py: the one QEMU command line)
ROWS = {'tcg-max': 'max', 'tcg-base': 'qemu64', 'bochs-spr': None}  # row: QEMU -cpu (None: Bochs)
# The whole matrix (no --row/--suite/--cmdline) also boots each row once per
# save strategy it supports besides its default (xsave=...), running the
# extended-state suites, and once with each deliberate crash, which must
# panic with a symbolized backtrace naming the crashing function.
VARIANT_SUITES = 'xstate,fpu,user'
VARIANTS = {'tcg-max': ['xsave=xsave', 'xsave=fxsave'],
            'tcg-base': [],
            'bochs-spr': ['xsave=xsavec', 'xsave=xsaveopt', 'xsave=xsave', 'xsave=fxsave', 'amx']}
CRASHES = {'tcg-max': {'crash=null': 'crash_null', 'crash=stack': 'crash_stack'}}
STOP = threading.Event()  # set on Ctrl-C: running emulators get killed
RUN_LOCK = None           # build/ktest/.lock, held while main() runs

# ------------------------------------------------------------------ KTAP parser
PASS, FAIL, SKIP, TODO = 'ok', 'FAIL', 'SKIP', 'TODO'
VERSION_RE = re.compile(r'K?TAP version \d+')
SUBTEST_RE = re.compile(r'# Subtest: (.*)')
PLAN_RE = re.compile(r'1\.\.(\d+)\b')
RESULT_RE = re.compile(r'(not ok|ok) (\d+)\b(?: -)?\s*(.*)')
DIRECTIVE_RE = re.compile(r'(SKIP|TODO)\b\s*(.*)', re.I)
NAMED_DIAG_RE = re.compile(r'#\s*([^\s:]+):')
EXPECT_RE = re.compile(r'#\s*[^\s:]+: EXPECTATION FAILED')   # kernel/ktest.c: before its result
EXIT_RE = re.compile(r'kestrel: exit (\d+)')
JUNK_RE = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def clean(text):
    """Serial text -> lines; CRLF/CR, terminal escapes (GRUB's) and NULs removed."""
    return JUNK_RE.sub('', text.replace('\r\n', '\n').replace('\r', '\n')).split('\n')


def tail(text, n=20):
    return [ln.rstrip() for ln in clean(text) if ln.strip()][-n:]


@dataclass
class Case:
    name: str
    status: str                 # PASS, FAIL, SKIP or TODO
    reason: str = ''
    diag: list = field(default_factory=list)
    derived: bool = False       # a mere consequence of a crash (unfinished suite, short plan)


@dataclass
class Frame:                    # one open (sub)test level, known by its indentation
    indent: int
    name: str = ''
    plan: int | None = None
    seen: int = 0               # result lines at this level
    cases: list = field(default_factory=list)    # leaves, named relative to this level
    pending: list = field(default_factory=list)  # diagnostics for the next result line
    target: Case | None = None  # the case unnamed diagnostics belong to now
    bad: bool = False           # broke the numbering rules: its later results are ignored

    def note(self, text):
        (self.target.diag if self.target else self.pending).append(text)


@dataclass
class Parsed:
    cases: list = field(default_factory=list)
    log: list = field(default_factory=list)    # the lines that are not KTAP
    saw_ktap: bool = False
    exit_code: int | None = None               # from "kestrel: exit N"
    panic: list = field(default_factory=list)  # "PANIC: ..." and the lines after it
    unfinished: str | None = None              # innermost suite left open at the end


def _merge(f, parent, name, check_plan=True):
    """Move a closed subtest's cases into its parent, prefixed with its name."""
    for c in f.cases:
        c.name = f'{name}.{c.name}'
    parent.cases += f.cases
    if check_plan and not f.bad and f.plan is not None and f.plan != f.seen:
        parent.cases.append(Case(name, FAIL, f'KTAP plan says {f.plan} cases, saw {f.seen}',
                                 derived=True))


def _abandon(stack, p):
    """Close the innermost subtest, which never got its result line."""
    f = stack.pop()
    name = f.name or '(unnamed)'
    _merge(f, stack[-1], name, check_plan=False)
    if p.unfinished is None:    # report only the innermost one
        p.unfinished = '.'.join(x.name for x in stack + [Frame(0, name)] if x.name)
        plan = '?' if f.plan is None else f.plan
        stack[-1].cases.append(Case(name, FAIL, f'suite did not finish ({f.seen} of {plan} cases)',
                                    f.pending, derived=True))


def _numbering(f, n):
    """Why result number n breaks KTAP's rules at level f (after f.seen results), or ''.
    A stream that repeats itself (a broken context switch once printed the same
    cases 747,204 times) must fail, not pass a thousand times over."""
    if n <= f.seen:
        return f'case number {n} repeats (after case {f.seen})'
    if n != f.seen + 1:
        return f'case number {n} out of order (expected {f.seen + 1})'
    if f.plan is not None and n > f.plan:
        return f'case {n} is more than the plan 1..{f.plan}'
    return ''


def parse(text, root=''):
    """Parse a serial log or a program's output; leaves are named suite.sub.case
    (prefixed with root. if given). Lines that are not KTAP go to .log."""
    p, stack, panicking = Parsed(), [], False
    for raw in clean(text):
        line = raw.expandtabs(4).rstrip()
        body = line.lstrip()
        ind = len(line) - len(body)
        if m := EXIT_RE.search(body):
            p.exit_code = int(m[1])
        panicking = (panicking or body.startswith('PANIC')) and not m
        if panicking and body and len(p.panic) < 80:
            p.panic.append(line)
        if VERSION_RE.fullmatch(body):
            if not stack:
                stack.append(Frame(ind, root))
                p.saw_ktap = True
            elif ind > stack[-1].indent:
                stack.append(Frame(ind))
            continue
        if not stack:                   # everything before KTAP starts is boot log
            p.log.append(body)
            continue
        top = stack[-1]
        if (m := SUBTEST_RE.fullmatch(body)) or (m := PLAN_RE.match(body)):
            if ind > top.indent:
                stack.append(top := Frame(ind))
            if m.re is SUBTEST_RE:
                top.name = top.name or m[1].strip()
            elif top.plan is None:
                top.plan = int(m[1])
        elif m := RESULT_RE.fullmatch(body):
            while len(stack) > 2 and stack[-2].indent > ind:   # levels that never closed
                _abandon(stack, p)
            child = stack.pop() if len(stack) > 1 and stack[-1].indent > ind else None
            if stack[-1].indent < ind:  # results without a header at this level
                stack.append(Frame(ind))
            top = stack[-1]
            if top.bad:                 # already rejected: count nothing more at this level
                top.pending = []
                continue
            name, _, directive = m[3].partition('#')
            name = name.strip() or (child.name if child else '') or f'#{m[2]}'
            if why := _numbering(top, int(m[2])):
                top.bad = True
                top.cases.append(Case('ktap', FAIL, f'invalid KTAP: {why}; '
                                      'the rest of this level is ignored', [body]))
                top.pending, top.target = [], None
                continue
            top.seen += 1
            status, reason = (PASS if m[1] == 'ok' else FAIL), ''
            if d := DIRECTIVE_RE.match(directive.strip()):
                status, reason = d[1].upper(), d[2].strip()
            case = None
            if child is None:
                top.cases.append(case := Case(name, status, reason, top.pending))
            else:                       # this line closes a subtest: keep its leaves
                n = len(top.cases)
                _merge(child, top, name)
                leaves = top.cases[n:]
                if not leaves:          # e.g. a user program that prints no KTAP of its own
                    case = Case(name, status, reason, child.pending + top.pending)
                elif status == FAIL and not any(c.status == FAIL for c in leaves):
                    case = Case(name, FAIL, 'suite reported not ok', child.pending + top.pending)
                if case:
                    top.cases.append(case)
            top.pending = []
            top.target = case if case and case.status == FAIL else None
        elif body.startswith('#'):      # "# name: ..." goes to that case, else see note()
            if m := NAMED_DIAG_RE.match(body):
                top.target = next((c for c in reversed(top.cases) if c.name == m[1]),
                                  None if EXPECT_RE.match(body) else top.target)
            top.note(body)
        else:
            p.log.append(body)
            if ind > 0 and ind >= top.indent:   # indented text inside a test: diagnostics
                top.note(body)
    while len(stack) > 1:
        _abandon(stack, p)
    if stack:
        r = stack[0]
        p.cases = r.cases
        for c in p.cases if root else ():
            c.name = f'{root}.{c.name}'
        if not r.bad and r.plan is not None and r.plan != r.seen:
            p.cases.append(Case(root or 'ktap', FAIL, f'KTAP plan says {r.plan} cases, saw {r.seen}',
                                derived=True))
    return p


def qemu_code(status):
    """isa-debug-exit makes QEMU exit with (N<<1)|1: the kernel's N, or None (crash)."""
    return {1: 0, 3: 1, 5: 2}.get(status)


def judge(p, code, why='', tail=(), fallback='kernel'):
    """All cases of a run, given how it ended: code is the kernel's (or program's)
    exit code, 0 pass, 1 test failure, 2 panic, or None for a timeout or crash."""
    cases = list(p.cases)
    if code not in (0, 1):      # abnormal end: one failure plus the cases that completed
        cases = [c for c in cases if not c.derived]
        why = why or ('kernel panic' if code == 2 else f'exit code {code}')
        cases.append(Case(p.unfinished or fallback, FAIL, why, p.panic or list(tail)))
    elif not p.saw_ktap:
        cases.append(Case(fallback, FAIL, 'no KTAP output', list(tail)))
    elif not cases:
        cases.append(Case(fallback, FAIL, 'no test cases ran'))
    elif code == 1 and not any(c.status == FAIL for c in cases):
        cases.append(Case(fallback, FAIL, 'exit status says a test failed, KTAP shows none',
                          list(tail)))
    return cases


# ------------------------------------------------------------------ running things
class Failure(Exception):
    pass


def run(cmd, log, timeout, cwd=ROOT, out=subprocess.DEVNULL, live=None, grace=3.0,
        max_output=0, stall=0, quit=None):
    """Run cmd in its own process group, following the serial file `log` (complete
    lines go to live()). Returns (status, why): status is None if it was killed,
    and why says why ('' if it ended by itself or `grace` s after it printed
    "kestrel: exit N"). Limits, each 0 for none: `timeout` s in all; `max_output`
    bytes of serial output (a kernel in a loop fills the disk, not the screen);
    `stall` s without a KTAP result or subtest line, so a suite that hangs is
    named at once instead of eating the whole boot's timeout. `quit` (an Event):
    the user asked to stop; why is then 'quit'."""
    start, pos, buf, done = time.monotonic(), 0, b'', None
    progress, where = start, 'boot'
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            status, data = proc.poll(), b''
            if os.path.exists(log):
                with open(log, 'rb') as f:
                    f.seek(pos)
                    data = f.read(max_output + 1 - pos if max_output else -1)
                pos += len(data)
            *lines, buf = (buf + data).split(b'\n')
            if status is not None and buf:
                lines.append(buf)
            now = time.monotonic()
            for text in (ln.decode(errors='replace').rstrip('\r') for ln in lines):
                if live:
                    live(JUNK_RE.sub('', text))
                if done is None and EXIT_RE.search(text):
                    done = now
                body = JUNK_RE.sub('', text).strip()
                if m := SUBTEST_RE.fullmatch(body):
                    progress, where = now, m[1].strip()
                elif RESULT_RE.fullmatch(body):
                    progress = now
            if max_output and pos > max_output:
                return None, f'serial output over {max_output / 2**20:g} MiB: killed'
            if status is not None:
                return status, ''
            if quit and quit.is_set():
                return None, 'quit'
            if STOP.is_set():
                return None, 'interrupted'
            if 0 < timeout < now - start:
                return None, f'timeout after {timeout:g} s'
            if 0 < stall < now - progress and not done:
                return None, f'no test result for {stall:g} s in {where!r} (suite time limit): killed'
            if done and now - done > grace:
                return None, ''
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Console:
    """COM1 as a pseudo-terminal, for an interactive boot (make run EMU=bochs):
    what the guest writes goes to this terminal and to the serial log (which
    run() follows as usual); what is typed here goes to the guest. Bochs
    opens the pty's slave side with `com1: mode=term` (iodev/serial.cc sets
    it raw), QEMU with `-serial /dev/pts/N`. Ctrl-a x quits, as in QEMU."""

    def __init__(self, log):
        self.master, self.slave = pty.openpty()
        self.name = os.ttyname(self.slave)
        self.log = open(log, 'ab', buffering=0)
        self.quit = threading.Event()
        self.saved = None

    def start(self):
        if os.isatty(0):
            print('ktest: the serial console is this terminal; Ctrl-a x quits', flush=True)
            self.saved = termios.tcgetattr(0)
            tty.setraw(0)
        else:
            print('ktest: stdin is not a terminal: its bytes go to the serial console as they come',
                  flush=True)
        threading.Thread(target=self._output, daemon=True).start()
        threading.Thread(target=self._input, daemon=True).start()

    def _output(self):
        try:
            while data := os.read(self.master, 4096):
                self.log.write(data)
                os.write(1, data)
        except (OSError, ValueError):   # the emulator closed it, or we did
            pass

    def _input(self):
        last = b''
        try:
            while data := os.read(0, 1024):
                if self.saved and b'\x01x' in last + data:
                    self.quit.set()
                    return
                os.write(self.master, data)
                last = data[-1:]
        except OSError:
            pass

    def close(self):
        if self.saved:
            termios.tcsetattr(0, termios.TCSADRAIN, self.saved)
            print(flush=True)
        for fd in (self.master, self.slave):
            os.close(fd)
        self.log.close()


def default_cmdline():
    cfg = ISODIR / 'boot' / 'grub' / 'grub.cfg'
    m = cfg.exists() and re.search(r'^\s*multiboot2\s+/boot/kestrel\.elf(.*)$', cfg.read_text(), re.M)
    return m[1].strip() if m else ''


def make_cmdline(suite, extra):
    """Default command line + ktest=SUITE (if any) + EXTRA. A key (or flag) in
    EXTRA replaces the default's, so no option appears twice (make run passes
    its CMDLINE, which is also the ISO's default)."""
    words, extra = default_cmdline().split(), extra.split()
    if suite and not any(w.startswith('ktest=') for w in extra):
        extra.insert(0, f'ktest={suite}')
    keys = {w.partition('=')[0] for w in extra}
    return ' '.join([w for w in words if w.partition('=')[0] not in keys] + extra)


def make_iso(cmdline):
    """An ISO whose grub.cfg passes `cmdline`; cached by cmdline + build/isodir mtimes."""
    if not (ISODIR / 'boot' / 'kestrel.elf').exists():
        raise Failure(f'{ISODIR.relative_to(ROOT)}/boot/kestrel.elf missing: run make first')
    if cmdline == default_cmdline() and ISO.exists():
        return ISO
    # The Makefile's grub.cfg (modules filled in); only its kernel line changes.
    template = (ISODIR / 'boot' / 'grub' / 'grub.cfg').read_text()
    h = hashlib.sha256(f'{ISODIR.name}\n{cmdline}\n{template}\n'.encode())
    for path in sorted(ISODIR.rglob('*')):
        st = path.stat()
        h.update(f'{path.relative_to(ISODIR)} {st.st_mtime_ns} {st.st_size}\n'.encode())
    d = OUT / f'iso-{h.hexdigest()[:16]}'
    if (iso := d / 'kestrel.iso').exists():
        os.utime(d)             # the least recently used ISOs are deleted first
        return iso
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(ISODIR, d / 'tree')
    (d / 'tree' / 'boot' / 'grub' / 'grub.cfg').write_text(re.sub(
        r'^(\s*multiboot2\s+/boot/kestrel\.elf).*$', lambda m: f'{m[1]} {cmdline}', template, flags=re.M))
    r = subprocess.run(['grub-mkrescue', '-o', str(d / 'part.iso'), str(d / 'tree')],
                       capture_output=True, text=True, errors='replace')
    if r.returncode:
        raise Failure('grub-mkrescue failed:\n' + '\n'.join(tail(r.stderr + r.stdout)))
    (d / 'part.iso').rename(iso)
    shutil.rmtree(d / 'tree')
    for old in sorted(OUT.glob('iso-*'), key=lambda q: q.stat().st_mtime)[:-32]:
        shutil.rmtree(old, ignore_errors=True)
    return iso


def skip_reason(row):
    if ROWS[row] is None and not os.access(BOCHS_PREFIX / 'bin' / 'bochs', os.X_OK):
        return 'bochs 3.0 not built: run make deps'
    if ROWS[row] and not shutil.which(QEMU):
        return f'{QEMU} not found'
    return None


def run_row(row, iso, args, tests, live=None, label=None, crash=None):
    """Boot one row (label: its name in reports and logs, for a variant).
    Returns (cases, None) or ([], reason it is skipped)."""
    if reason := skip_reason(row):
        return [], reason
    if isinstance(iso, Failure):
        first, *rest = str(iso).split('\n')
        return [Case('(row)', FAIL, first, rest)], None
    label = label or row
    log, emu = OUT / f'{label}.log', OUT / f'{label}.emulator.txt'
    log.unlink(missing_ok=True)
    # A --raw boot without tests is interactive: COM1 is a pseudo-terminal.
    console = Console(log) if live and not tests else None
    if cpu := ROWS[row]:
        cwd = ROOT
        cmd = qemu_argv(cpu, iso, '-serial', console.name if console else f'file:{log}', '-monitor', 'none', qemu=QEMU)
    else:
        if not (template := ROOT / 'tools' / 'bochsrc.txt').exists():
            return [Case('(row)', FAIL, 'tools/bochsrc.txt missing')], None
        (cwd := OUT / label).mkdir(parents=True, exist_ok=True)
        com1 = f'mode=term, dev="{console.name}"' if console else f'mode=file, dev="{log}"'
        cfg = template.read_text().replace('@ISO@', str(iso)).replace('@COM1@', com1)
        (cwd / 'bochsrc').write_text(cfg.replace('@PREFIX@', str(BOCHS_PREFIX)))
        cmd = [str(BOCHS_PREFIX / 'bin' / 'bochs'), '-q', '-f', 'bochsrc']
    limits = {'max_output': int(args.max_output * 2**20), 'stall': args.suite_timeout} if tests else {}
    with open(emu, 'wb') as out:
        if console:
            console.start()
        try:
            status, killed = run(cmd, log, args.timeout, cwd, out, None if console else live,
                                 quit=console and console.quit, **limits)
        finally:
            if console:
                console.close()
    if killed == 'quit':
        return [Case('boot', PASS, 'quit with Ctrl-a x')], None
    text = log.read_text(errors='replace') if log.exists() else ''
    serial_tail = tail(text) + [f'emulator: {ln}' for ln in tail(emu.read_text(errors='replace'), 10)]
    p, why = parse(text), ''
    code = qemu_code(status) if cpu else p.exit_code
    if killed:
        code, why = None, killed
    elif cpu and status is None:
        why = "QEMU still running after 'kestrel: exit' (isa-debug-exit not written?)"
    elif code is None:
        why = (f'crash: QEMU exit status {status} (reset / triple fault?)' if cpu else
               f"crash: bochs ended (status {status}) without 'kestrel: exit'")
    if crash:                   # a deliberate kernel bug: must panic, naming the function
        ok = code == 2 and 'PANIC' in text and re.search(rf'\b{crash}\b.*\+0x', text)
        return [Case('panic', PASS if ok else FAIL, f'kestrel: exit {code}' if ok else why or
                     f'expected a panic naming {crash} in its backtrace (exit 2), got exit {code}',
                     [] if ok else serial_tail)], None
    if not tests:               # --raw boot without ktest=: only the exit code matters
        return [Case('boot', PASS if code == 0 else FAIL, why or f'kestrel: exit {code}',
                     [] if code == 0 or live else p.panic or serial_tail)], None
    return judge(p, code, why, serial_tail), None


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
    if list((ROOT / 'tests').glob('test_*.py')):
        runs.append(('py', [sys.executable, str(Path(__file__).resolve()), '--py-ktap',
                            str(ROOT / 'tests')]))
    for name, cmd in runs:
        why = ''
        try:
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout)
            status, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err, why = None, e.stdout or b'', e.stderr or b'', f'timeout after {timeout:g} s'
        except OSError as e:
            status, out, err, why = None, b'', b'', f'cannot run: {e}'
        out, err = out.decode(errors='replace'), err.decode(errors='replace')
        if status is not None and status < 0:
            why = f'killed by signal {-status}'
        code = None if status is None or status < 0 else min(status, 1)
        cases += judge(parse(out, root=name), code, why, tail(out + err), fallback=name)
        logs.append(f'==== {" ".join(cmd)} (exit {status})\n{out}{err}\n')
    (OUT / 'host.log').write_text(''.join(logs))
    return cases, None


def py_ktap(testdir):
    """Hidden --py-ktap mode: run the unittest modules, print the results as KTAP."""
    import unittest
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

    suite = unittest.defaultTestLoader.discover(testdir, pattern='test_*.py', top_level_dir=testdir)
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


# ------------------------------------------------------------------ report
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
    ap.add_argument('--py-ktap', help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    global ISODIR, ISO
    if a.kernel == 'run':
        ISODIR, ISO = ROOT / 'build' / 'isodir', ROOT / 'build' / 'kestrel.iso'
    if a.py_ktap:
        return py_ktap(a.py_ktap)
    if a.list_rows:
        for row, cpu in ROWS.items():
            what = f'QEMU TCG -cpu {cpu}' if cpu else f'Bochs 3.0 ({BOCHS_PREFIX})'
            print(f'{row:10} {what:45} {skip_reason(row) or "available"}')
        print(f'{"host":10} make -s print-host-tests, tests/test_*.py')
        return 0
    rows = [] if a.host_only else [r for r in dict.fromkeys(a.row or (['tcg-max'] if a.raw else ROWS))
                                   if r != 'host']
    host = a.host_only or not (a.no_host or a.raw or (a.row and 'host' not in a.row))
    suite = a.suite or (None if a.raw and a.cmdline is not None else 'all')
    tests = suite is not None or 'ktest=' in (a.cmdline or '')
    OUT.mkdir(parents=True, exist_ok=True)
    # One run at a time: runs share build/ktest/<row>.log and the ISO cache.
    global RUN_LOCK
    if RUN_LOCK:
        RUN_LOCK.close()
    RUN_LOCK = open(OUT / '.lock', 'w')     # held until this process exits
    try:
        fcntl.flock(RUN_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print('ktest: another run is using build/ktest; waiting for it', flush=True)
        fcntl.flock(RUN_LOCK, fcntl.LOCK_EX)
    iso, lock = None, threading.Lock()
    if any(skip_reason(r) is None for r in rows):
        cmdline = make_cmdline(suite, a.cmdline or '')
        try:
            iso = make_iso(cmdline)
            print(f'ktest: rows {" ".join(rows)}; cmdline "{cmdline}"; {iso.relative_to(ROOT)}')
        except Failure as e:
            iso = e

    def live(row):
        def out(line):
            with lock:
                print(f'[{row}] {line}' if len(rows) > 1 else line, flush=True)
        return out if a.raw else None

    # The whole matrix: the strategy variants and the deliberate crashes too.
    extra = []
    if not (a.row or a.suite or a.cmdline or a.raw or a.host_only):
        for r in rows:
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
        jobs = [(r, ex.submit(run_row, r, iso, a, tests, live(r))) for r in rows]
        jobs += [(label, ex.submit(run_row, r, iso_for(c), a, True, None, label, fn))
                 for label, r, c, fn in extra]
        jobs += [('host', ex.submit(host_tests, a.timeout))] if host else []
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
    (OUT / 'summary.txt').write_text('\n'.join(report + lines) + '\n')
    return 0 if f == 0 else 1


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
