"""The book's code blocks still match the tree.

A code block in docs/ that quotes the tree carries a tag on the line before its
fence naming where it comes from (docs/README.md, "Conventions"):

    <!-- quote: kernel/entry.c exit_to_user_mode -->

The name is a C function, struct or union, a NASM label (up to the next
global label) or a NASM %macro; without a name the whole file is meant.  Each
line of the block must be a line of that definition, in order and adjacent,
comments and white space aside; a line `...` stands for lines left out.  A
block in C or NASM that shows something other than the tree (a user's example,
a sketch) says so with `<!-- example -->`, so that no quote goes unchecked.
"""
import re
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / 'docs'
TAG = re.compile(r'^<!--\s*(quote|example)\b:?\s*(.*?)\s*-->\s*$')
CODE_LANGS = {'c', 'nasm', 'asm'}
ELISION = {'...', '/* ... */', '// ...', '; ...'}


def strip_comments(line, lang):
    """The line without its comments (one-line forms only) and with white space collapsed."""
    if lang == 'nasm':
        out, in_str = [], None
        for ch in line:
            if in_str:
                in_str = None if ch == in_str else in_str
            elif ch in '\'"`':
                in_str = ch
            elif ch == ';':
                break
            out.append(ch)
        line = ''.join(out)
    elif line.lstrip().startswith('//'):
        return ''               # a whole comment line, quotes in it or not
    else:
        line = re.sub(r'/\*.*?\*/', ' ', line)
        line = re.sub(r'//.*$', '', line) if '"' not in line else line
    return ' '.join(line.split())


def code_lines(lines, lang):
    """Normalised non-empty lines, skipping whole comment lines and C block comments."""
    out, in_block = [], False
    for line in lines:
        if lang != 'nasm':
            if in_block:
                if '*/' not in line:
                    continue
                line = line.split('*/', 1)[1]
                in_block = False
            if '/*' in line and '*/' not in line.split('/*', 1)[1]:
                line, in_block = line.split('/*', 1)[0], True
        norm = strip_comments(line, lang)
        if norm:
            out.append(norm)
    return out


def find_definition(text, name, lang):
    """The source lines of `name` in a file, or None."""
    lines = text.split('\n')
    if lang == 'nasm':
        for i, line in enumerate(lines):
            if re.match(rf'^%macro\s+{re.escape(name)}\b', line):
                end = next(j for j in range(i, len(lines)) if lines[j].startswith('%endmacro'))
                return lines[i:end + 1]
            if re.match(rf'^{re.escape(name)}:', line):
                end = next((j for j in range(i + 1, len(lines))
                            if re.match(r'^[A-Za-z_]\w*:', lines[j])), len(lines))
                return lines[i:end]
        return None
    head = re.compile(rf'^(?:[A-Za-z_].*[\s*])?{re.escape(name)}\s*\(|^(?:struct|union|enum)\s+{re.escape(name)}\s*{{?\s*$')
    for i, line in enumerate(lines):
        if head.match(line) and not line.rstrip().endswith(';'):
            depth, started = 0, False
            for j in range(i, len(lines)):
                depth += lines[j].count('{') - lines[j].count('}')
                started = started or '{' in lines[j]
                if started and depth <= 0:
                    return lines[i:j + 1]
    return None


def blocks(md):
    """(line number, tag kind, tag argument, language, block lines) for each fenced block."""
    lines = md.read_text().split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^```(\w*)\s*$', lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m[1]
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith('```'))
        tag = TAG.match(lines[start - 1]) if start else None
        yield (start + 1, tag[1] if tag else None, tag[2] if tag else '', lang,
               lines[start + 1:end])
        i = end + 1


def check_quote(arg, lang, body):
    """None if the block matches the tree, else what is wrong."""
    parts = arg.split()
    if not parts:
        return 'quote tag names no file'
    path = ROOT / parts[0]
    if not path.is_file():
        return f'{parts[0]}: no such file'
    src_lang = 'nasm' if path.suffix in ('.asm', '.inc') else 'c'
    text = path.read_text()
    if len(parts) > 1:
        src = find_definition(text, parts[1], src_lang)
        if src is None:
            return f'{parts[0]}: no definition of {parts[1]}'
    else:
        src = text.split('\n')
    src = code_lines(src, src_lang)
    runs, run = [], []
    for line in body:
        if line.strip() in ELISION:
            runs.append(run)
            run = []
        else:
            run.append(line)
    runs.append(run)
    pos = 0
    for run in runs:
        want = code_lines(run, src_lang)
        if not want:
            continue
        for k in range(pos, len(src) - len(want) + 1):
            if src[k:k + len(want)] == want:
                pos = k + len(want)
                break
        else:
            # Name the first line that cannot be found after the last match.
            for w in want:
                if w not in src[pos:]:
                    return f'line not in {" ".join(parts)} (in order): {w!r}'
            return f'lines not adjacent in {" ".join(parts)}: {want[0]!r} ...'
    return None


class BookQuotesTest(unittest.TestCase):
    def test_every_quote_matches_the_tree(self):
        problems = []
        for md in sorted(DOCS.rglob('*.md')):
            for lineno, kind, arg, lang, body in blocks(md):
                where = f'{md.relative_to(ROOT)}:{lineno}'
                if kind == 'quote':
                    err = check_quote(arg, lang, body)
                    if err:
                        problems.append(f'{where}: {err}')
                elif kind is None and lang in CODE_LANGS:
                    problems.append(f'{where}: a ```{lang} block with no <!-- quote: FILE NAME --> '
                                    'or <!-- example --> tag')
        self.assertEqual(problems, [], '\n' + '\n'.join(problems))

    def test_checker_catches_a_changed_line(self):
        # The checker itself: a quote with one line changed must be refused.
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / 'f.c'
            src.write_text('static int f(int x)\n{\n\tint y = x; /* why */\n\ty++;\n\treturn y;\n}\n')
            self.assertIsNone(check_quote(f'{src} f', 'c', ['int y = x;', 'y++;']))
            self.assertIsNone(check_quote(f'{src} f', 'c', ['int y = x;', '...', 'return y;']))
            self.assertIsNotNone(check_quote(f'{src} f', 'c', ['int y = x;', 'y--;']))
            self.assertIsNotNone(check_quote(f'{src} f', 'c', ['int y = x;', 'return y;']))
            self.assertIsNotNone(check_quote(f'{src} g', 'c', ['int y = x;']))


if __name__ == '__main__':
    unittest.main()
