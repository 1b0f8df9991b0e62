#!/usr/bin/env python3
"""Boot Kestrel under an emulator's GDB stub and run one GDB batch session.

Used by tests/test_gdb.py; also by hand:
    tools/gdb/session.py --cmdline init=gdb-xstate -x my.gdb      (QEMU)
    tools/gdb/session.py --emu bochs --cmdline init=gdb-xstate -x my.gdb
GDB's output goes to stdout, the serial log to build/gdb-test/<name>.serial.

The ISO is build/isodir (what `make` assembled) with its grub.cfg kernel
line set to the command line, cached by command line, as tools/ktest.py
does for its rows.
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
from qemu import qemu_argv  # noqa: E402  (the one QEMU command line)
OUT = ROOT / 'build' / 'gdb-test'
ISODIR = ROOT / 'build' / 'isodir'
BOCHS_PREFIX = Path(os.environ.get('KESTREL_CACHE', Path.home() / '.cache' / 'kestrel')) / 'bochs-3.0'


def make_iso(cmdline):
    template = (ISODIR / 'boot' / 'grub' / 'grub.cfg').read_text()
    stamp = (ISODIR / 'boot' / 'kestrel.elf').stat().st_mtime_ns
    h = hashlib.sha256(f'{cmdline}\n{template}\n{stamp}'.encode()).hexdigest()[:16]
    iso = OUT / f'iso-{h}' / 'kestrel.iso'
    if iso.exists():
        return iso
    tree = iso.parent / 'tree'
    shutil.rmtree(iso.parent, ignore_errors=True)
    shutil.copytree(ISODIR, tree)
    (tree / 'boot' / 'grub' / 'grub.cfg').write_text(re.sub(
        r'^(\s*multiboot2\s+/boot/kestrel\.elf).*$', lambda m: f'{m[1]} {cmdline}',
        template, flags=re.M))
    subprocess.run(['grub-mkrescue', '-o', str(iso), str(tree)], check=True,
                   capture_output=True)
    for old in sorted(OUT.glob('iso-*'), key=lambda q: q.stat().st_mtime)[:-8]:
        shutil.rmtree(old, ignore_errors=True)
    return iso


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def emulator(emu, iso, port, serial, cpu='max'):
    """The emulator's argv and working directory, halted for GDB."""
    if emu == 'qemu':
        return qemu_argv(cpu, iso, '-serial', f'file:{serial}', '-monitor', 'none',
                         '-gdb', f'tcp:127.0.0.1:{port}', '-S'), ROOT
    cwd = OUT / 'bochs'
    cwd.mkdir(parents=True, exist_ok=True)
    cfg = (ROOT / 'tools' / 'bochsrc.txt').read_text().replace('@ISO@', str(iso))
    cfg = cfg.replace('@COM1@', f'mode=file, dev="{serial}"').replace('@PREFIX@', str(BOCHS_PREFIX))
    cfg += f'\ngdbstub: enabled=1, port={port}, text_base=0, data_base=0, bss_base=0\n'
    (cwd / 'bochsrc').write_text(cfg)
    return [str(BOCHS_PREFIX / 'bin' / 'bochs'), '-q', '-f', 'bochsrc'], cwd


def run(emu, cmdline, commands, name='session', timeout=120, cpu='max'):
    """Boot, run GDB with COMMANDS (a list of lines), return (gdb output, serial log)."""
    OUT.mkdir(parents=True, exist_ok=True)
    iso, port = make_iso(cmdline), free_port()
    serial = OUT / f'{name}.serial'
    serial.unlink(missing_ok=True)
    script = OUT / f'{name}.gdb'
    script.write_text('\n'.join(commands) + '\n')
    argv, cwd = emulator(emu, iso, port, serial, cpu)
    emu_log = open(OUT / f'{name}.emulator.txt', 'wb')
    # start_new_session: the emulator is not in GDB's process group.
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=emu_log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # Bochs opens its port only after loading the BIOS: GDB retries.
        target = f'target remote 127.0.0.1:{port}'
        r = subprocess.run(['gdb', '-q', '-nx', '-batch', '-x', 'tools/gdb/kestrel.gdb',
                            '-ex', 'set tcp connect-timeout 30', '-ex', target, '-x', str(script), 'build/kestrel.elf'],
                           cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, KESTREL_EMU=emu))
        out = r.stdout + r.stderr
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        emu_log.close()
    (OUT / f'{name}.out').write_text(out)
    return out, serial.read_text(errors='replace') if serial.exists() else ''


def main():
    if sys.argv[1:2] == ['--bochsrc']:      # tools/gdb/bochs-debug.sh: ISO PORT SERIAL
        argv, cwd = emulator('bochs', Path(sys.argv[2]).resolve(), int(sys.argv[3]),
                             Path(sys.argv[4]).resolve())
        print(cwd)
        return
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--emu', default='qemu', choices=('qemu', 'bochs'))
    ap.add_argument('--cmdline', default='init=gdb-xstate')
    ap.add_argument('--cpu', default='max', help='QEMU -cpu model')
    ap.add_argument('-x', dest='script', required=True, help='GDB commands, one a line')
    a = ap.parse_args()
    out, serial = run(a.emu, a.cmdline, Path(a.script).read_text().splitlines(), cpu=a.cpu)
    print(out)
    print('---- serial\n' + serial)


if __name__ == '__main__':
    main()
