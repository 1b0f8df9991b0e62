"""Strict KTAP version 1: the parser that turns a serial log into cases, and the
judge that adds what the emulator's exit says (tools/ktest.py --help)."""
import re
from dataclasses import dataclass, field

PASS, FAIL, SKIP, TODO = 'ok', 'FAIL', 'SKIP', 'TODO'
VERSION_RE = re.compile(r'K?TAP version \d+')
SUBTEST_RE = re.compile(r'# Subtest: (.*)')
PLAN_RE = re.compile(r'1\.\.(\d+)\b')
RESULT_RE = re.compile(r'(not ok|ok) (\d+)\b(?: -)?\s*(.*)')
DIRECTIVE_RE = re.compile(r'(SKIP|TODO)\b\s*(.*)', re.I)
NAMED_DIAG_RE = re.compile(r'#\s*([^\s:]+):')
EXPECT_RE = re.compile(r'#\s*[^\s:]+: EXPECTATION FAILED')   # kernel/ktest.c: before its result
EXIT_RE = re.compile(r'kestrel: exit (\d+)')
JUNK_RE = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def clean(text):
    """Serial text -> lines; CRLF/CR, terminal escapes (GRUB's) and NULs removed."""
    return JUNK_RE.sub('', text.replace('\r\n', '\n').replace('\r', '\n')).split('\n')


def tail(text, n=20):
    return [ln.rstrip() for ln in clean(text) if ln.strip()][-n:]


@dataclass
class Case:
    name: str
    status: str                 # PASS, FAIL, SKIP or TODO
    reason: str = ''
    diag: list = field(default_factory=list)
    derived: bool = False       # a mere consequence of a crash (unfinished suite, short plan)
    cut: bool = False           # says only that the text ended inside it: a log still being written


@dataclass
class Frame:                    # one open (sub)test level, known by its indentation
    indent: int
    name: str = ''
    plan: int | None = None
    seen: int = 0               # result lines at this level
    cases: list = field(default_factory=list)    # leaves, named relative to this level
    pending: list = field(default_factory=list)  # diagnostics for the next result line
    target: Case | None = None  # the case unnamed diagnostics belong to now
    bad: bool = False           # broke the numbering rules: its later results are ignored

    def note(self, text):
        (self.target.diag if self.target else self.pending).append(text)


@dataclass
class Parsed:
    cases: list = field(default_factory=list)
    log: list = field(default_factory=list)    # the lines that are not KTAP
    saw_ktap: bool = False
    exit_code: int | None = None               # from "kestrel: exit N"
    panic: list = field(default_factory=list)  # "PANIC: ..." and the lines after it
    unfinished: str | None = None              # innermost suite left open at the end


def _merge(f, parent, name, check_plan=True):
    """Move a closed subtest's cases into its parent, prefixed with its name."""
    for c in f.cases:
        c.name = f'{name}.{c.name}'
    parent.cases += f.cases
    if check_plan and not f.bad and f.plan is not None and f.plan != f.seen:
        parent.cases.append(Case(name, FAIL, f'KTAP plan says {f.plan} cases, saw {f.seen}',
                                 derived=True))


def _abandon(stack, p):
    """Close the innermost subtest, which never got its result line."""
    f = stack.pop()
    name = f.name or '(unnamed)'
    _merge(f, stack[-1], name, check_plan=False)
    if p.unfinished is None:    # report only the innermost one
        p.unfinished = '.'.join(x.name for x in stack + [Frame(0, name)] if x.name)
        plan = '?' if f.plan is None else f.plan
        stack[-1].cases.append(Case(name, FAIL, f'suite did not finish ({f.seen} of {plan} cases)',
                                    f.pending, derived=True, cut=True))


def _numbering(f, n):
    """Why result number n breaks KTAP's rules at level f (after f.seen results), or ''.
    A stream that repeats itself (a broken context switch once printed the same
    cases 747,204 times) must fail, not pass a thousand times over."""
    if n <= f.seen:
        return f'case number {n} repeats (after case {f.seen})'
    if n != f.seen + 1:
        return f'case number {n} out of order (expected {f.seen + 1})'
    if f.plan is not None and n > f.plan:
        return f'case {n} is more than the plan 1..{f.plan}'
    return ''


def parse(text, root=''):
    """Parse a serial log or a program's output; leaves are named suite.sub.case
    (prefixed with root. if given). Lines that are not KTAP go to .log."""
    p, stack, panicking = Parsed(), [], False
    for raw in clean(text):
        line = raw.expandtabs(4).rstrip()
        body = line.lstrip()
        ind = len(line) - len(body)
        if m := EXIT_RE.search(body):
            p.exit_code = int(m[1])
        panicking = (panicking or body.startswith('PANIC')) and not m
        if panicking and body and len(p.panic) < 80:
            p.panic.append(line)
        if VERSION_RE.fullmatch(body):
            if not stack:
                stack.append(Frame(ind, root))
                p.saw_ktap = True
            elif ind > stack[-1].indent:
                stack.append(Frame(ind))
            continue
        if not stack:                   # everything before KTAP starts is boot log
            p.log.append(body)
            continue
        top = stack[-1]
        if (m := SUBTEST_RE.fullmatch(body)) or (m := PLAN_RE.match(body)):
            if ind > top.indent:
                stack.append(top := Frame(ind))
            if m.re is SUBTEST_RE:
                top.name = top.name or m[1].strip()
            elif top.plan is None:
                top.plan = int(m[1])
        elif m := RESULT_RE.fullmatch(body):
            while len(stack) > 2 and stack[-2].indent > ind:   # levels that never closed
                _abandon(stack, p)
            child = stack.pop() if len(stack) > 1 and stack[-1].indent > ind else None
            if stack[-1].indent < ind:  # results without a header at this level
                stack.append(Frame(ind))
            top = stack[-1]
            if top.bad:                 # already rejected: count nothing more at this level
                top.pending = []
                continue
            name, _, directive = m[3].partition('#')
            name = name.strip() or (child.name if child else '') or f'#{m[2]}'
            if why := _numbering(top, int(m[2])):
                top.bad = True
                top.cases.append(Case('ktap', FAIL, f'invalid KTAP: {why}; '
                                      'the rest of this level is ignored', [body]))
                top.pending, top.target = [], None
                continue
            top.seen += 1
            status, reason = (PASS if m[1] == 'ok' else FAIL), ''
            if d := DIRECTIVE_RE.match(directive.strip()):
                status, reason = d[1].upper(), d[2].strip()
            case = None
            if child is None:
                top.cases.append(case := Case(name, status, reason, top.pending))
            else:                       # this line closes a subtest: keep its leaves
                n = len(top.cases)
                _merge(child, top, name)
                leaves = top.cases[n:]
                if not leaves:          # e.g. a user program that prints no KTAP of its own
                    case = Case(name, status, reason, child.pending + top.pending)
                elif status == FAIL and not any(c.status == FAIL for c in leaves):
                    case = Case(name, FAIL, 'suite reported not ok', child.pending + top.pending)
                if case:
                    top.cases.append(case)
            top.pending = []
            top.target = case if case and case.status == FAIL else None
        elif body.startswith('#'):      # "# name: ..." goes to that case, else see note()
            if m := NAMED_DIAG_RE.match(body):
                top.target = next((c for c in reversed(top.cases) if c.name == m[1]),
                                  None if EXPECT_RE.match(body) else top.target)
            top.note(body)
        else:
            p.log.append(body)
            if ind > 0 and ind >= top.indent:   # indented text inside a test: diagnostics
                top.note(body)
    while len(stack) > 1:
        _abandon(stack, p)
    if stack:
        r = stack[0]
        p.cases = r.cases
        for c in p.cases if root else ():
            c.name = f'{root}.{c.name}'
        if not r.bad and r.plan is not None and r.plan != r.seen:
            p.cases.append(Case(root or 'ktap', FAIL, f'KTAP plan says {r.plan} cases, saw {r.seen}',
                                derived=True, cut=True))
    return p


def qemu_code(status):
    """isa-debug-exit makes QEMU exit with (N<<1)|1: the kernel's N, or None (crash)."""
    return {1: 0, 3: 1, 5: 2}.get(status)


def judge(p, code, why='', tail=(), fallback='kernel'):
    """All cases of a run, given how it ended: code is the kernel's (or program's)
    exit code, 0 pass, 1 test failure, 2 panic, or None for a timeout or crash."""
    cases = list(p.cases)
    if code not in (0, 1):      # abnormal end: one failure plus the cases that completed
        cases = [c for c in cases if not c.derived]
        why = why or ('kernel panic' if code == 2 else f'exit code {code}')
        cases.append(Case(p.unfinished or fallback, FAIL, why, p.panic or list(tail)))
    elif not p.saw_ktap:
        cases.append(Case(fallback, FAIL, 'no KTAP output', list(tail)))
    elif not cases:
        cases.append(Case(fallback, FAIL, 'no test cases ran'))
    elif code == 1 and not any(c.status == FAIL for c in cases):
        cases.append(Case(fallback, FAIL, 'exit status says a test failed, KTAP shows none',
                          list(tail)))
    return cases
