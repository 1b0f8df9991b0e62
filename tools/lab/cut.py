#!/usr/bin/env python3
"""cut.py - write a lab's student tree (make lab-tree LAB=name DEST=dir).

The full tree holds each lab's solution between markers, in the file's own
comment syntax (// in C, ; in NASM):

    // LAB update: begin
    ...the solution...
    // LAB update: stub
    //	LAB_TODO("fpu/update.c: xstate_begin_update (lab update)");
    // LAB update: end

and single lines that are the lab's, anywhere: `... /* LAB syscall */`.
For lab L the student tree has L's blocks replaced by their stubs (the
comment leader taken off) and L's single lines dropped; every other lab's
code is kept, markers removed, since each lab takes out one mechanism the
rest of the kernel stands on (docs/labs/README.md says why).  The book's
quoted blocks that show L's solution are taken out, and the paths the
lab hides (its held-back test data) are left out.  DEST becomes a git
repository whose first commit is tagged lab-L-start: make handin diffs
against it.

    tools/lab/cut.py LAB DEST      the student tree
    tools/lab/cut.py --check       every marker well formed (make test)
"""
import argparse, re, shutil, subprocess, sys  # noqa: E401
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labs import BY_NAME, LABS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MARK_RE = re.compile(r'^\s*(//|;)\s*LAB ([a-z]+): (begin|stub|end)\s*$')
LINE_RE = re.compile(r'\s*/\* LAB ([a-z]+) \*/')
STUB_RE = re.compile(r'^(\s*)(//|;)[ \t]?(.*)$')


class Bad(Exception):
    pass


def cut_text(text, lab, where='text'):
    """text with lab's blocks stubbed and every other lab's markers removed.
    Returns (new text, {lab: number of blocks and lines seen})."""
    out, seen, state, name = [], {}, None, None
    for n, line in enumerate(text.split('\n'), 1):
        m = MARK_RE.match(line)
        if m:
            leader, mname, kind = m.groups()
            if mname not in BY_NAME:
                raise Bad(f'{where}:{n}: LAB {mname}: no such lab (tools/lab/labs.py)')
            order = {None: 'begin', 'begin': 'stub', 'stub': 'end', 'solution': 'end'}
            if kind == 'end' and state == 'begin':
                state = 'solution'      # a block without a stub: cut to nothing
            if kind != order[state] or (state and mname != name):
                raise Bad(f'{where}:{n}: "LAB {mname}: {kind}" out of order')
            seen[mname] = seen.get(mname, 0) + (kind == 'begin')
            state, name = (None, None) if kind == 'end' else (kind, mname)
            continue
        if state in ('begin', 'solution'):
            if name != lab:
                out.append(line)
            continue
        if state == 'stub':
            s = STUB_RE.match(line)
            if not s:
                raise Bad(f'{where}:{n}: a stub line must be a comment')
            if name == lab:
                out.append(s[1] + s[3])
            continue
        if m := LINE_RE.search(line):
            if m[1] not in BY_NAME:
                raise Bad(f'{where}:{n}: LAB {m[1]}: no such lab')
            seen[m[1]] = seen.get(m[1], 0) + 1
            if m[1] == lab:
                continue
            line = LINE_RE.sub('', line, count=1) if not line.rstrip().endswith('\\') else \
                line.replace(m[0], '', 1)
        out.append(line)
    if state:
        raise Bad(f'{where}: LAB {name}: block not closed')
    return '\n'.join(out), seen


def solution_lines(text, lab):
    """The normalised lines of lab's solutions in a source file."""
    out, inside = set(), False
    for line in text.split('\n'):
        m = MARK_RE.match(line)
        if m:
            inside = m[2] == lab and m[3] == 'begin'
            continue
        norm = ' '.join(line.split())
        if inside and len(norm) > 12 and not norm.startswith(('//', ';', '/*', '*')):
            out.add(norm)
    return out


QUOTE_RE = re.compile(r'^<!-- quote: (\S+)[^>]*-->\n```\w*\n(.*?)^```\n', re.M | re.S)


def scrub_book(text, lab, solutions):
    """The book with every quoted block that shows lab's solution taken out:
    the student tree's book must not hold the answer."""
    def repl(m):
        sol = solutions.get(m[1], set())
        lines = {' '.join(ln.split()) for ln in m[2].split('\n')}
        if not sol or not lines & sol:
            return m[0]
        return (f'> *This code is what lab {lab} asks you to write ({m[1]}); the block is in the full '
                f'tree\'s book. See docs/labs/{lab}.md.*\n')
    return QUOTE_RE.sub(repl, text)


def tracked():
    r = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, capture_output=True, text=True, check=True)
    return [p for p in r.stdout.split('\0') if p and (ROOT / p).is_file()]


def check():
    """Every marker well formed, and each lab's blocks in the files it names."""
    found = {}
    for p in tracked():
        if p.startswith(('tools/lab/', 'tests/test_labs', 'docs/')) or not p.endswith(('.c', '.h', '.asm')):
            continue
        _, seen = cut_text((ROOT / p).read_text(errors='replace'), None, p)
        for lab, k in seen.items():
            found.setdefault(lab, set()).add(p)
    for lab in LABS:
        if set(lab.files) != found.get(lab.name, set()):
            raise Bad(f'lab {lab.name}: markers in {sorted(found.get(lab.name, []))}, '
                      f'tools/lab/labs.py says {sorted(lab.files)}')
    return found


def cut(lab, dest):
    dest = Path(dest).resolve()
    if dest.exists() and any(dest.iterdir()):
        raise Bad(f'{dest} exists and is not empty')
    if dest == ROOT or ROOT in dest.parents:
        raise Bad(f'{dest} is inside the tree it is cut from')
    hide = tuple(BY_NAME[lab].hide)
    solutions = {p: solution_lines((ROOT / p).read_text(), lab) for p in BY_NAME[lab].files}
    for p in tracked():
        if any(p == h or p.startswith(h.rstrip('/') + '/') for h in hide):
            continue
        src, dst = ROOT / p, dest / p
        dst.parent.mkdir(parents=True, exist_ok=True)
        if p.endswith(('.c', '.h', '.asm')) and not p.startswith('tools/lab/'):
            text, _ = cut_text(src.read_text(errors='replace'), lab, p)
            dst.write_text(text)
            shutil.copymode(src, dst)
        elif p.startswith('docs/') and p.endswith('.md'):
            dst.write_text(scrub_book(src.read_text(), lab, solutions))
        else:
            shutil.copy2(src, dst)
    head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip() or 'unknown'
    (dest / '.lab').write_text(f'{lab}\n')
    handout = ROOT / 'docs' / 'labs' / f'{lab}.md'
    questions = re.search(r'^## Questions\n(.*?)(?=^## |\Z)', handout.read_text(), re.M | re.S) \
        if handout.exists() else None
    (dest / f'answers-{lab}.txt').write_text(
        f'Lab {lab}: answers (docs/labs/{lab}.md, "Questions").  make handin LAB={lab} packs this file.\n\n'
        + (questions[1].strip() + '\n' if questions else ''))
    git = ['git', '-c', 'user.name=Kestrel', '-c', 'user.email=kestrel@localhost', '-c', 'init.defaultBranch=main']
    for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', f'lab {lab}: the starting tree (cut from {head})'],
                ['tag', f'lab-{lab}-start']):
        subprocess.run(git + cmd, cwd=dest, check=True, capture_output=True)
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('lab', nargs='?', choices=list(BY_NAME))
    ap.add_argument('dest', nargs='?')
    ap.add_argument('--check', action='store_true')
    a = ap.parse_args()
    try:
        if a.check:
            for lab, files in sorted(check().items()):
                print(f'lab {lab}: {", ".join(sorted(files))}')
            return 0
        if not a.lab or not a.dest:
            ap.error('LAB and DEST are needed: make lab-tree LAB=name DEST=dir')
        d = cut(a.lab, a.dest)
        print(f'lab {a.lab}: student tree in {d} (git tag lab-{a.lab}-start); '
              f'handout: docs/labs/{a.lab}.md; grade: make grade LAB={a.lab}')
        return 0
    except Bad as e:
        print(f'cut.py: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
