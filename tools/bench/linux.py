"""Debian's linux-image-amd64 kernel and a one-file initramfs for the bench.

The kernel is unpacked (apt-get download + dpkg -x, no root needed) into
~/.cache/kestrel/linux; the initramfs is written here as a newc cpio whose
/init is build/user/bench, the very binary Kestrel boots, beside the
/dev/console node the kernel opens for init's stdout (no mknod needed).
"""
import glob
import subprocess
from pathlib import Path


def fetch(cache):
    """The vmlinuz path, or raise RuntimeError with the reason."""
    d = cache / 'linux'
    found = sorted(glob.glob(str(d / 'root' / 'boot' / 'vmlinuz-*')))
    if found:
        return Path(found[-1])
    d.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'], capture_output=True, text=True)
    pkgs = [ln.split(':', 1)[1].strip() for ln in r.stdout.splitlines()
            if ln.strip().startswith('Depends: linux-image-')]
    if not pkgs:
        raise RuntimeError('apt-cache knows no linux-image-amd64 (run apt-get update?)')
    r = subprocess.run(['apt-get', 'download', pkgs[0]], cwd=d, capture_output=True, text=True)
    debs = sorted(d.glob(f'{pkgs[0]}_*.deb'))
    if not debs:
        raise RuntimeError(f'apt-get download {pkgs[0]} failed: {r.stderr.strip()[-300:]}')
    r = subprocess.run(['dpkg-deb', '-x', str(debs[-1]), str(d / 'root')], capture_output=True, text=True)
    found = sorted(glob.glob(str(d / 'root' / 'boot' / 'vmlinuz-*')))
    if r.returncode or not found:
        raise RuntimeError(f'dpkg-deb -x {debs[-1].name} failed: {r.stderr.strip()[-300:]}')
    return Path(found[-1])


def cpio_entry(name, mode, data=b'', rdev=(0, 0), ino=1):
    """One newc (070701) record: 110-byte header, name, data, each 4-aligned."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
    rec = hdr + name.encode() + b'\0'
    rec += b'\0' * (-len(rec) % 4) + data
    return rec + b'\0' * (-len(rec) % 4)


def initramfs(binary, path):
    entries = [cpio_entry('dev', 0o040755, ino=1),
               cpio_entry('dev/console', 0o020600, rdev=(5, 1), ino=2),
               cpio_entry('init', 0o100755, Path(binary).read_bytes(), ino=3),
               cpio_entry('TRAILER!!!', 0, ino=0)]
    path.write_bytes(b''.join(entries))
    return path


def prepare(root, cache, out):
    """((vmlinuz, initramfs), None), or (None, reason Linux is skipped)."""
    try:
        kernel = fetch(cache)
    except (RuntimeError, OSError) as e:
        return None, str(e)
    return (kernel, initramfs(root / 'build' / 'user' / 'bench', out / 'initramfs.cpio')), None
