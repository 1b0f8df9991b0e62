#!/usr/bin/env python3
"""make bench: boot user/bench under exact instruction counting on each row,
on Kestrel and (QEMU rows) on Debian's Linux, and write the comparison to
build/bench/ (docs/bench.md).

  tools/bench/run.py [--row ROW ...] [--no-linux] [--timeout S]

The machine is tools/qemu.py's, the one every boot uses, with
-icount shift=0,sleep=off, under which the guest TSC is the count of
instructions retired; Linux boots on the same machine.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qemu import machine_argv, qemu_argv  # noqa: E402  (tools/qemu.py)
import parse as bparse    # noqa: E402
import report             # noqa: E402
import linux              # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / 'build' / 'bench'
CACHE = Path(os.environ.get('KESTREL_CACHE') or Path.home() / '.cache/kestrel')
BOCHS = CACHE / 'bochs-3.0'
ROWS = {'tcg-max': 'max', 'tcg-base': 'qemu64', 'bochs-spr': None}


def kestrel_iso():
    """build/isodir with init=bench on the kernel's command line."""
    src = ROOT / 'build' / 'isodir'
    if not (src / 'boot' / 'user' / 'bench').exists():
        raise SystemExit('build/isodir/boot/user/bench missing: run make first')
    tree, iso = OUT / 'isodir', OUT / 'kestrel-bench.iso'
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(src, tree)
    cfg = tree / 'boot' / 'grub' / 'grub.cfg'
    cfg.write_text(re.sub(r'^(\s*multiboot2\s+/boot/kestrel\.elf).*$', r'\1 init=bench',
                          cfg.read_text(), flags=re.M))
    r = subprocess.run(['grub-mkrescue', '-o', str(iso), str(tree)], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit('grub-mkrescue failed:\n' + r.stderr[-2000:])
    return iso


def boot(cmd, log, timeout, cwd=None):
    """Run the emulator until it exits; the serial log's text."""
    log.unlink(missing_ok=True)
    try:
        subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        pass                      # what it printed is judged by parse(): no bench-end, refused
    return log.read_text(errors='replace') if log.exists() else ''


def run_kestrel(row, iso, timeout):
    log = OUT / f'{row}.kestrel.log'
    if cpu := ROWS[row]:
        cmd = qemu_argv(cpu, iso, '-serial', f'file:{log}', '-monitor', 'none', icount=True)
        return boot(cmd, log, timeout)
    # Bochs with clock sync=none: its TSC advances one per instruction.
    cwd = OUT / row
    cwd.mkdir(parents=True, exist_ok=True)
    cfg = (ROOT / 'tools' / 'bochsrc.txt').read_text()
    cfg = cfg.replace('@ISO@', str(iso)).replace('@COM1@', f'mode=file, dev="{log}"')
    (cwd / 'bochsrc').write_text(cfg.replace('@PREFIX@', str(BOCHS)))
    return boot([str(BOCHS / 'bin' / 'bochs'), '-q', '-f', 'bochsrc'], log, timeout, cwd)


def run_linux(row, kernel, initrd, timeout):
    log = OUT / f'{row}.linux.log'
    cmd = [*machine_argv(ROWS[row], icount=True), '-monitor', 'none', '-kernel', str(kernel),
           '-initrd', str(initrd), '-append', 'console=ttyS0 panic=-1 quiet', '-serial', f'file:{log}']
    return boot(cmd, log, timeout)


def measured(text, what):
    try:
        return bparse.parse(text), None
    except bparse.Refused as e:
        return None, f'{what}: refused: {e}'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--row', action='append', choices=list(ROWS))
    ap.add_argument('--no-linux', action='store_true', help='Kestrel only')
    ap.add_argument('--timeout', type=int, default=900, help='seconds per boot')
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    iso = kestrel_iso()
    lx, lx_why = (None, '--no-linux') if a.no_linux else linux.prepare(ROOT, CACHE, OUT)
    results = {}
    for row in a.row or list(ROWS):
        res = {'row': row, 'cpu': ROWS[row] or 'Bochs sapphire_rapids', 'notes': []}
        if ROWS[row] is None and not os.access(BOCHS / 'bin' / 'bochs', os.X_OK):
            res['notes'].append('skipped: bochs 3.0 not built (make deps)')
            results[row] = res
            continue
        print(f'bench: {row}: Kestrel ...', flush=True)
        res['kestrel'], why = measured(run_kestrel(row, iso, a.timeout), 'Kestrel')
        if why:
            res['notes'].append(why)
        if ROWS[row] is None:
            res['notes'].append('Linux: not run on Bochs (QEMU rows only)')
        elif lx is None:
            res['notes'].append(f'Linux: skipped: {lx_why}')
        else:
            print(f'bench: {row}: Linux ...', flush=True)
            res['linux'], why = measured(run_linux(row, *lx, a.timeout), 'Linux')
            if why:
                res['notes'].append(why)
        results[row] = res
        print(report.table(res), flush=True)
    report.write(results, OUT, linux_version=lx and lx[0].name)
    print(f'bench: wrote {OUT.relative_to(ROOT)}/bench.txt, bench.json, bench.svg')
    return 0 if all(r.get('kestrel') for r in results.values() if 'kestrel' in r) else 1


if __name__ == '__main__':
    sys.exit(main())
