"""The layering rule of docs/layout.md, checked against the code.

Edges are read two ways: every #include / %include in the kernel's rooms and
user/, and every symbol an object file under build/ takes from another one
(nm: U in one, defined in the other).  The rule is the block after
`<!-- layers -->` in docs/layout.md, so the page and the check are one.
"""
import collections
import fnmatch
import re
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / 'docs' / 'layout.md'


def parse_rules(text):
    block = text.split('<!-- layers -->', 1)[1].split('```', 2)[1]
    rules = {'floors': [], 'apart': {}, 'base': [], 'tests': [], 'allow': [], 'deny': [], 'deny-call': []}
    for line in block.strip().splitlines():
        kind, _, rest = line.partition(':')
        kind = kind.strip()
        if kind == 'floors':
            rules['floors'] = rest.split()
        elif kind in ('base', 'tests'):
            rules[kind] = rest.split()
        elif kind in ('apart', 'allow', 'deny', 'deny-call'):
            left, _, right = rest.partition('->')
            entry = (left.split(), right.split())
            if kind == 'apart':
                rules['apart'][left.strip()] = right.split()
            else:
                rules[kind].append(entry)
        else:
            raise ValueError(f'docs/layout.md: unknown rule line {line!r}')
    return rules


def matches(path, globs):
    return any(fnmatch.fnmatchcase(path, g) for g in globs)


def tracked(rooms):
    out = subprocess.check_output(['git', 'ls-files', '--'] + rooms, cwd=ROOT, text=True).split()
    return [f for f in out if re.search(r'\.(c|h|asm|inc)$', f)]


def include_edges(files):
    """(from, to, what) for each include naming a tracked file."""
    known = set(files)
    for f in files:
        text = (ROOT / f).read_text()
        for inc in re.findall(r'^\s*(?:#\s*include|%include)\s+"([^"]+)"', text, re.M):
            here = f.rsplit('/', 1)[0] + '/' + inc
            target = inc if inc in known else here if here in known else None
            if target:
                yield f, target, '#include'


def source_of(obj, known):
    """The tracked source an object file was built from (build/.../kernel/x.c.o -> kernel/x.c)."""
    parts = obj.relative_to(ROOT / 'build').with_suffix('').parts
    for i in range(len(parts)):
        cand = '/'.join(parts[i:])
        if cand in known:
            return cand
    return None


def symbol_edges(files):
    """(from, to, symbol) for each symbol one object takes from another; per image
    directory, so a test kernel's objects and the run kernel's are not mixed."""
    known = set(files)
    groups = collections.defaultdict(list)
    for obj in (ROOT / 'build').rglob('*.o'):
        src = source_of(obj, known)
        if src:
            groups[str(obj.parent)[:len(str(obj)) - len(src) - 2]].append((obj, src))
    for objs in groups.values():
        defs, undefs = {}, collections.defaultdict(set)
        for obj, src in objs:
            for line in subprocess.check_output(['nm', str(obj)], text=True).splitlines():
                p = line.split()
                if len(p) == 2 and p[0] == 'U':
                    undefs[src].add(p[1])
                elif len(p) == 3 and p[1] in 'TDBRCG':
                    defs[p[2]] = src
        for src, syms in undefs.items():
            for s in syms:
                if s in defs and defs[s] != src:
                    yield src, defs[s], s


def violations(rules, edges):
    floors = rules['floors']
    out = set()
    for a, b, what in edges:
        ra, rb = a.split('/')[0], b.split('/')[0]
        if matches(a, rules['tests']):
            # A test suite may reach any room, but never into user/.
            if rb in rules['apart'] and ra not in rules['apart']:
                out.add(f'{a} -> {b} ({what}): a kernel test may not use {rb}/')
            continue
        if matches(b, rules['base']):
            continue        # everyone may print and panic
        for left, right in rules['deny']:
            if matches(a, left) and matches(b, right):
                out.add(f'{a} -> {b} ({what}): forbidden by "deny: {" ".join(left)} -> {" ".join(right)}"')
        for left, right in rules['deny-call']:
            if what != '#include' and matches(a, left) and matches(what, right):
                out.add(f'{a} -> {b} ({what}): forbidden by "deny-call: {" ".join(left)} -> {" ".join(right)}"')
        if ra == rb:
            continue
        if any(matches(a, l) and matches(b, r) for l, r in rules['allow']):
            continue
        if ra in rules['apart']:
            if not matches(b, [g if '/' in g else g + '/*' for g in rules['apart'][ra]]):
                out.add(f'{a} -> {b} ({what}): {ra}/ may use only {" ".join(rules["apart"][ra])}')
            continue
        if ra not in floors or rb not in floors:
            out.add(f'{a} -> {b} ({what}): {rb if ra in floors else ra}/ is not a room of the floors')
        elif floors.index(rb) > floors.index(ra):
            out.add(f'{a} -> {b} ({what}): {ra}/ is below {rb}/')
    return sorted(out)


class LayersTest(unittest.TestCase):
    def setUp(self):
        self.rules = parse_rules(LAYOUT.read_text())
        self.rooms = self.rules['floors'] + list(self.rules['apart'])
        self.files = tracked(self.rooms)

    def test_every_room_is_a_directory(self):
        for room in self.rooms:
            self.assertTrue((ROOT / room).is_dir(), f'docs/layout.md names {room}/, which is not in the tree')
        for d in ('boot', 'kernel', 'fpu', 'traps', 'user'):
            self.assertIn(d, self.rooms)

    def test_includes_obey_the_rule(self):
        bad = violations(self.rules, include_edges(self.files))
        self.assertEqual(bad, [], '\n' + '\n'.join(bad))

    def test_calls_obey_the_rule(self):
        if not list((ROOT / 'build').rglob('*.c.o')):
            self.skipTest('no kernel objects under build/: run make first')
        bad = violations(self.rules, symbol_edges(self.files))
        self.assertEqual(bad, [], '\n' + '\n'.join(bad))

    def test_the_checker_sees_a_forbidden_edge(self):
        # The checker itself: an upward include and a denied call are reported.
        edges = [('mm/vm.c', 'kernel/sched.h', '#include'),
                 ('traps/trap.c', 'kernel/sys_proc.c', 'sys_getpid'),
                 ('kernel/sched.c', 'mm/vm.h', '#include')]
        bad = violations(self.rules, edges)
        self.assertEqual(len(bad), 2, bad)
        self.assertIn('mm/ is below kernel/', bad[0] + bad[1])


if __name__ == '__main__':
    unittest.main()
