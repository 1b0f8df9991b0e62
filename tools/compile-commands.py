#!/usr/bin/env python3
"""Write compile_commands.json (the clang tooling database, for editors and
clangd) from what `make` would run, without building anything and without
bear: `make -n -B` prints every command; each one that compiles a .c file is
an entry.  Usage: make compile_commands.json
"""
import json
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPILERS = {'gcc', 'cc', 'musl-gcc'}


def entries(make_output):
    for line in make_output.splitlines():
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if not words or Path(words[0]).name not in COMPILERS:
            continue
        for source in (w for w in words if w.endswith('.c') and (ROOT / w).is_file()):
            yield {'directory': str(ROOT), 'file': str(ROOT / source), 'arguments': words}


def main():
    r = subprocess.run(['make', '-n', '-B', 'all'], cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        sys.stderr.write(r.stderr)
        return 1
    db = list(entries(r.stdout))
    (ROOT / 'compile_commands.json').write_text(json.dumps(db, indent=1) + '\n')
    print(f'compile_commands.json: {len(db)} entries')
    return 0


if __name__ == '__main__':
    sys.exit(main())
