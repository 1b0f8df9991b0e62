"""Reading user/bench's output, and refusing it when the counting is wrong.

A boot's serial log holds the program's lines (user/bench.c says their
form) among the kernel's.  parse() returns the operations only if every
calibration loop read exactly its count (2n + 1 instructions): if the
emulator's TSC is not an instruction counter, no figure from that boot
means anything, so none is reported (issue 12, item 1).
"""
import re

LINE = re.compile(r'^bench: (?P<name>.+?) median=(?P<median>\d+) min=(?P<min>\d+) '
                  r'p10=(?P<p10>\d+) p90=(?P<p90>\d+) max=(?P<max>\d+) n=(?P<n>\d+)\s*$')
CAL = re.compile(r'^bench-cal: n=(?P<n>-?\d+) expect=(?P<expect>-|\d+) got=(?P<got>\d+)\s*$')
COUNTER = re.compile(r'^bench-counter: (?P<name>\S+) (?P<rest>.*)$')
PARTNER = re.compile(r'^yield-threads partner ran (?P<ran>\d+) times in (?P<n>\d+) yields$')
SKIP = re.compile(r'^bench-skip: (?P<name>.+?): (?P<reason>.*)$')
# kernel/entry.c, at Kestrel's first return to user mode (boot_tsc: boot/entry.asm).
BOOT = re.compile(r'^boot: (?P<ticks>\d+) TSC ticks from kernel entry to the first user instruction\s*$')
BOOT_OP = 'boot: kernel entry to the first user instruction'



class Refused(Exception):
    """The boot's figures cannot be trusted; str() says why."""


def parse(text):
    """{'os', 'calibration', 'ops': {name: stats}, 'counters', 'skips'} from a log."""
    out = {'os': None, 'calibration': [], 'ops': {}, 'counters': {}, 'skips': {}, 'checks': []}
    ended = False
    for raw in text.splitlines():
        line = raw.strip('\r')
        if line.startswith('bench-os: '):
            out['os'] = line.split(': ', 1)[1].strip()
        elif m := CAL.match(line):
            out['calibration'].append({'n': int(m['n']), 'expect': None if m['expect'] == '-'
                                       else int(m['expect']), 'got': int(m['got'])})
        elif m := LINE.match(line):
            out['ops'][m['name']] = {k: int(m[k]) for k in ('median', 'min', 'p10', 'p90', 'max', 'n')}
        elif m := COUNTER.match(line):
            out['counters'][m['name']] = {k: int(v) for k, v in
                                          (kv.split('=') for kv in m['rest'].split())}
        elif m := SKIP.match(line):
            out['skips'][m['name']] = m['reason']
        elif line.startswith('bench-check: '):
            out['checks'].append(line.split(': ', 1)[1])
        elif line == 'bench-end':
            ended = True
        elif m := BOOT.match(line):
            v = int(m['ticks'])
            out['ops'][BOOT_OP] = {'median': v, 'min': v, 'p10': v, 'p90': v, 'max': v, 'n': 1}
    check(out, ended)
    for c in out['checks']:
        # A yield that did not run the partner is no round trip: drop the figure.
        if (m := PARTNER.match(c)) and int(m['ran']) < int(m['n']) * 9 // 10:
            name = 'sched_yield round trip, 2 threads'
            out['ops'].pop(name, None)
            out['skips'][name] = f'the partner ran {m["ran"]} times in {m["n"]} yields'
    return out


def check(out, ended):
    if out['os'] is None:
        raise Refused('no "bench-os:" line: the program did not run')
    loops = [c for c in out['calibration'] if c['expect'] is not None]
    if not loops:
        raise Refused('no calibration loop reported')
    for c in loops:
        if c['expect'] != 2 * c['n'] + 1:
            raise Refused(f'calibration n={c["n"]}: expected count {c["expect"]} is not 2n+1')
        if c['got'] != c['expect']:
            raise Refused(f'calibration n={c["n"]} read {c["got"]} instructions, not {c["expect"]}: '
                          'the TSC is not counting instructions (is -icount shift=0 on?)')
    if not ended:
        raise Refused('no "bench-end" line: the program stopped early')
