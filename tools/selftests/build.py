#!/usr/bin/env python3
"""Build Linux's own x86 selftests (and mm/protection_keys) for Kestrel, unmodified.

    tools/selftests/build.py [--out build/selftests]

1. Finds Debian's linux-source tarball (/usr/src/linux-source-*.tar.xz), and
   installs the package `linux-source-6.12` (else `linux-source`) if there is
   none (KESTREL_LINUX_SOURCE: another glob; KESTREL_NO_INSTALL=1: never
   install).  No tarball and no way to install one: prints the reason to
   OUT/skip.txt and exits 2, so that `make test` reports the suite skipped.
2. Extracts tools/testing/selftests/x86 and the files protection_keys.c needs
   into OUT/src, once per tarball.
3. Builds every program the x86 Makefile lists (TARGETS_C_BOTHBITS,
   TARGETS_C_64BIT_ONLY, TARGETS_C_32BIT_NEEDED, and TARGETS_C_32BIT_ONLY as
   64-bit programs; read from the Makefile itself, with its per-target
   flags and extra files) and protection_keys, static, with musl-gcc and
   tools/selftests/compat.h forced in: the few glibc names musl lacks.  The
   kernel's uapi headers (asm/, linux/) come from Debian's linux-libc-dev.
4. Writes OUT/bin/x86-NAME, mm-protection_keys, and OUT/programs.txt: one
   line per program, "NAME built" or "NAME not built: REASON".
5. Makes build/kestrel-selftests.iso: the test kernel (build/kestrel-test.elf)
   with ktest=selftests and the programs as multiboot2 modules, from the
   same grub.cfg template as the other ISOs (iso/boot/grub/grub.cfg).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PACKAGES = ('linux-source-6.12', 'linux-source')
X86 = 'tools/testing/selftests/x86'
# Besides x86/: what protection_keys.c includes, mm's Makefile (its flags),
# and the one kernel header sigreturn.c includes by a relative path.
EXTRA_FILES = ('tools/testing/selftests/mm/protection_keys.c', 'tools/testing/selftests/mm/pkey-helpers.h',
            'tools/testing/selftests/mm/Makefile', 'arch/x86/include/asm/desc_defs.h',
            'tools/testing/selftests/mm/pkey-x86.h', 'tools/testing/selftests/mm/pkey-arm64.h',
            'tools/testing/selftests/mm/pkey-powerpc.h', 'tools/testing/selftests/mm/vm_util.h',
            'tools/testing/selftests/kselftest.h')
CFLAGS = ['-O2', '-g', '-std=gnu99', '-pthread', '-Wall', '-no-pie', '-static', '-m64', '-DCAN_BUILD_64']
# Debian's uapi headers: only these directories, so no glibc header can get in.
UAPI = {'linux': '/usr/include/linux', 'asm-generic': '/usr/include/asm-generic',
        'asm': '/usr/include/x86_64-linux-gnu/asm'}


def say(msg):
    print(f'selftests: {msg}', file=sys.stderr, flush=True)


def tarball():
    pattern = os.environ.get('KESTREL_LINUX_SOURCE', '/usr/src/linux-source-*.tar.xz')
    found = sorted(glob.glob(pattern), key=os.path.getmtime)
    if os.environ.get('KESTREL_NO_INSTALL') and not found:
        raise SystemExit(f'no {pattern} and KESTREL_NO_INSTALL is set')
    if found:
        return Path(found[-1])
    sudo = [] if os.geteuid() == 0 else ['sudo']
    for pkg in PACKAGES:
        say(f'installing {pkg} (Debian) for its tools/testing/selftests')
        r = subprocess.run([*sudo, 'apt-get', 'install', '-y', '--no-install-recommends', pkg],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        found = sorted(glob.glob(pattern), key=os.path.getmtime)
        if found:
            return Path(found[-1])
        last = (r.stderr.strip().splitlines() or ['no output'])[-1]
    raise SystemExit(f'cannot install {" or ".join(PACKAGES)}: {last}')


def extract(tar, src):
    stamp = src / '.from'
    want = f'{tar} {tar.stat().st_mtime_ns} {X86} {" ".join(EXTRA_FILES)}'
    if stamp.exists() and stamp.read_text() == want:
        return src / tar.name.removesuffix('.tar.xz')
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    say(f'extracting the selftests from {tar}')
    with tarfile.open(tar) as t:
        top = tar.name.removesuffix('.tar.xz')
        members = [m for m in t.getmembers()
                   if m.name.startswith(f'{top}/{X86}/') or m.name.removeprefix(f'{top}/') in EXTRA_FILES]
        t.extractall(src, members, filter='data')
    stamp.write_text(want)
    return src / top


def makefile_targets(x86):
    """The 64-bit programs, their extra files and flags, from x86/Makefile."""
    text = (x86 / 'Makefile').read_text().replace('\\\n', ' ')
    lists = {}
    for m in re.finditer(r'^(TARGETS_C_\w+)\s*(:=|\+=)\s*(.*)$', text, re.M):
        lists.setdefault(m[1], []).extend(m[3].split())
    # Linux's 64-bit set (TARGETS_C_32BIT_NEEDED joins it where 32-bit code
    # can be built too), then the ones Linux builds only as 32-bit programs,
    # built 64-bit here: Kestrel has no 32-bit ABI, and some (test_FCMOV,
    # test_FCOMI, test_FISTTP) test nothing 32-bit.
    names = [n for key in ('TARGETS_C_BOTHBITS', 'TARGETS_C_64BIT_ONLY', 'TARGETS_C_32BIT_NEEDED',
                           'TARGETS_C_32BIT_ONLY') for n in lists.get(key, [])]
    extra = {m[1]: m[2].split() for m in re.finditer(r'call extra-files,(\w+)_64,([^)]*)\)', text)}
    flags = {m[1]: m[2].split() for m in re.finditer(r'/(\w+)_(?:64|32):\s*CFLAGS\s*\+=\s*(.*)$', text, re.M)}
    return [(n, extra.get(n, []), [f for f in flags.get(n, []) if f != '-static']) for n in names]


def mm_flags(mm):
    """mm/Makefile's flags for its 64-bit programs ($(BINARIES_64): CFLAGS += ...)."""
    text = (mm / 'Makefile').read_text()
    flags = [f for m in re.finditer(r'^\$\(BINARIES_64\):\s*CFLAGS\s*\+=\s*(.*)$', text, re.M)
             for f in m[1].split()]
    return [f for f in flags if f != '-m64'] + ['-U_FORTIFY_SOURCE']


def compile_one(out, src, cwd, extra_files, extra_flags, inc):
    cmd = ['musl-gcc', *CFLAGS, *extra_flags, '-include', str(HERE / 'compat.h'), '-I', str(cwd),
           '-idirafter', str(inc), '-o', str(out), str(src), *[str(cwd / f) for f in extra_files],
           '-lrt', '-lm']
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode == 0:
        return None
    lines = [ln for ln in r.stderr.splitlines() if 'error' in ln or 'undefined reference' in ln]
    why = (lines or r.stderr.strip().splitlines() or ['failed'])[0]
    return re.sub(r'^\S*/', '', why)[:200]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=str(ROOT / 'build' / 'selftests'))
    ap.add_argument('--iso', default=str(ROOT / 'build' / 'kestrel-selftests.iso'))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'skip.txt').unlink(missing_ok=True)
    # No old ISO may outlive a build that cannot happen: the rows would run it.
    Path(a.iso).unlink(missing_ok=True)
    if not shutil.which('musl-gcc'):
        (out / 'skip.txt').write_text('musl-gcc is not installed (make deps)\n')
        return 2
    try:
        tar = tarball()
    except SystemExit as e:
        (out / 'skip.txt').write_text(f'{e}\n')
        say(str(e))
        return 2
    top = extract(tar, out / 'src')
    inc = out / 'uapi'
    inc.mkdir(exist_ok=True)
    for name, path in UAPI.items():
        if not (inc / name).exists():
            os.symlink(path, inc / name)
    bindir = out / 'bin'
    bindir.mkdir(exist_ok=True)
    x86 = top / X86
    jobs = [(f'x86-{n}', x86 / f'{n}.c', x86, files, flags) for n, files, flags in makefile_targets(x86)]
    mm = top / 'tools/testing/selftests/mm'
    jobs.append(('mm-protection_keys', mm / 'protection_keys.c', mm, [], mm_flags(mm)))
    report = []
    names = {name for name, *_ in jobs}
    for old in bindir.iterdir():
        if old.name not in names:
            old.unlink()
    newest_tool = max(Path(__file__).stat().st_mtime, (HERE / 'compat.h').stat().st_mtime)
    for name, src, cwd, files, flags in jobs:
        binary = bindir / name
        inputs = [src, *[cwd / f for f in files]]
        if binary.exists() and binary.stat().st_mtime > max([newest_tool] + [i.stat().st_mtime for i in inputs]):
            report.append(f'{name} built')  # still up to date
            continue
        binary.unlink(missing_ok=True)
        why = compile_one(binary, src, cwd, files, flags, inc)
        report.append(f'{name} built' if why is None else f'{name} not built: {why}')
        say(report[-1])
    (out / 'programs.txt').write_text(''.join(f'{ln}\n' for ln in report))
    (out / 'source.txt').write_text(f'{tar.name}\n')
    return make_iso(bindir, Path(a.iso))


def make_iso(bindir, iso):
    kernel = ROOT / 'build' / 'kestrel-test.elf'
    if not kernel.exists():
        say('build/kestrel-test.elf is missing: run make first')
        return 1
    isodir = iso.parent / 'isodir-selftests'
    shutil.rmtree(isodir, ignore_errors=True)
    (isodir / 'boot' / 'grub').mkdir(parents=True)
    (isodir / 'boot' / 'user').mkdir()
    shutil.copy(kernel, isodir / 'boot' / 'kestrel.elf')
    modules = []
    for prog in sorted(bindir.iterdir()):
        shutil.copy(prog, isodir / 'boot' / 'user' / prog.name)
        modules.append(f'module2 /boot/user/{prog.name} {prog.name}')
    cfg = (ROOT / 'iso' / 'boot' / 'grub' / 'grub.cfg').read_text()
    cfg = '\n'.join(ln for ln in cfg.splitlines() if not ln.startswith('#'))
    cfg = cfg.replace('@CMDLINE@', 'ktest=selftests').replace('@MODULES@', '\n\t'.join(modules))
    (isodir / 'boot' / 'grub' / 'grub.cfg').write_text(cfg + '\n')
    r = subprocess.run(['grub-mkrescue', '-o', str(iso), str(isodir)], capture_output=True, text=True)
    if r.returncode:
        say(f'grub-mkrescue failed: {r.stderr.strip()[-300:]}')
        return 1
    say(f'{iso}: {len(modules)} programs')
    return 0


if __name__ == '__main__':
    sys.exit(main())
