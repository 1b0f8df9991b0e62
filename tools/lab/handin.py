#!/usr/bin/env python3
"""handin.py - make handin LAB=name: pack a student's work for the instructor.

Writes handin-LAB.tar.gz at the top of the tree, holding LAB.patch (every
change since the starting tree, tag lab-LAB-start: edits, new files and
deleted ones, whether committed or not) and answers-LAB.txt, as xv6's
make zipball does.  build/ and the emulators' logs are not work and are
left out (the .gitignore rules).  The instructor applies the patch to the
same starting tree (make lab-tree) and runs make grade there, with the
held-back data in KESTREL_LAB_DATA.
"""
import io, os, subprocess, sys, tarfile, tempfile  # noqa: E401
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def git(*args, env=None):
    return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True, env=env)


def main():
    if len(sys.argv) != 2 or not sys.argv[1]:
        print('usage: make handin LAB=name', file=sys.stderr)
        return 2
    lab = sys.argv[1]
    mark = ROOT / '.lab'
    if not mark.exists() or mark.read_text().strip() != lab:
        have = mark.read_text().strip() if mark.exists() else 'none (the full tree)'
        print(f'handin: this tree is for lab {have}, not {lab}: hand in from the tree '
              f'make lab-tree LAB={lab} made', file=sys.stderr)
        return 1
    tag = f'lab-{lab}-start'
    if git('rev-parse', '-q', '--verify', f'refs/tags/{tag}').returncode:
        print(f'handin: no tag {tag}: this tree was not made by make lab-tree', file=sys.stderr)
        return 1
    # The working tree as it is, untracked files too, in a scratch index.
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, GIT_INDEX_FILE=str(Path(d) / 'index'))
        for args in (('read-tree', tag), ('add', '-A', '.')):
            r = git(*args, env=env)
            if r.returncode:
                print(f'handin: git {" ".join(args)}: {r.stderr}', file=sys.stderr)
                return 1
        r = git('diff', '--cached', '--binary', tag, '--', '.', f':!handin-{lab}.tar.gz', env=env)
    patch = r.stdout.encode()
    answers = ROOT / f'answers-{lab}.txt'
    out = ROOT / f'handin-{lab}.tar.gz'
    with tarfile.open(out, 'w:gz') as tar:
        info = tarfile.TarInfo(f'{lab}.patch')
        info.size = len(patch)
        tar.addfile(info, io.BytesIO(patch))
        if answers.exists():
            tar.add(answers, arcname=answers.name)
    files = sum(1 for ln in patch.decode(errors='replace').splitlines() if ln.startswith('diff --git'))
    print(f'handin: {out.name}: {lab}.patch ({files} files changed)'
          + (f' and {answers.name}' if answers.exists() else f'; no {answers.name}!'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
