"""Booting one emulator row: the processes, their limits, the ISO for a command
line, and the row's verdict (tools/ktest.py --help)."""
import fcntl, hashlib, os, pty, re, shutil, signal, subprocess, sys, termios, threading, time, tty  # noqa: E401,E501
from pathlib import Path

from harness.ktap import *  # noqa: F401,F403  (Case, the statuses, the patterns, parse, judge)

ROOT = Path(__file__).resolve().parent.parent.parent
# The test kernel's ISO tree and ISO (the Makefile's); --kernel run picks make run's.
OUT, ISODIR, ISO = ROOT / 'build' / 'ktest', ROOT / 'build' / 'isodir-test', ROOT / 'build' / 'kestrel-test.iso'
BOCHS_PREFIX = Path(os.environ.get('KESTREL_CACHE') or Path.home() / '.cache/kestrel') / 'bochs-3.0'
sys.path.insert(0, str(ROOT / 'tools'))
from qemu import QEMU, qemu_argv  # noqa: E402  (tools/qemu.py: the one QEMU command line)
ROWS = {'tcg-max': 'max', 'tcg-base': 'qemu64', 'bochs-spr': None}  # row: QEMU -cpu (None: Bochs)
STOP = threading.Event()  # set on Ctrl-C: running emulators get killed

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
