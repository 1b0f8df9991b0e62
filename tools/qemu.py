#!/usr/bin/env python3
"""The one definition of how Kestrel boots in QEMU.

tools/ktest.py imports qemu_argv(); the Makefile's `make run`,
tools/gdb/debug.sh and tools/gdb/test.sh run this file, which executes QEMU
with the same machine and the caller's console and debugging options:

    tools/qemu.py [--cpu MODEL] ISO [QEMU OPTIONS...]

The machine: TCG (KVM is not used: its nested form here cannot run Kestrel),
one CPU, 256 MiB, boot from the CD, no reboot (a triple fault ends the run),
and the isa-debug-exit device, through which the kernel reports its status:
QEMU exits with (value << 1) | 1 (kernel/exit.c).
"""
import os
import sys

QEMU = os.environ.get('KESTREL_QEMU', 'qemu-system-x86_64')


def machine_argv(cpu, icount=False, qemu=None):
    """The machine, with nothing to boot yet.  icount: exact instruction
    counting, under which the guest TSC is the count of instructions retired
    (make bench, docs/bench.md)."""
    return [qemu or QEMU, '-accel', 'tcg', '-cpu', cpu, '-m', '256M', '-smp', '1',
            '-display', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
            *(['-icount', 'shift=0,sleep=off'] if icount else [])]


def qemu_argv(cpu, iso, *extra, icount=False, qemu=None):
    """QEMU's argv for one boot of iso on CPU model cpu; extra is appended."""
    return [*machine_argv(cpu, icount, qemu), '-cdrom', str(iso), '-boot', 'd', *extra]


def main(argv):
    cpu = 'max'
    if argv[:1] == ['--cpu'] and len(argv) > 1:
        cpu, argv = argv[1], argv[2:]
    if not argv or argv[0].startswith('-'):
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    cmd = qemu_argv(cpu, argv[0], *argv[1:])
    os.execvp(cmd[0], cmd)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
