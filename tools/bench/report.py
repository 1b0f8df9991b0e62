"""The bench's report: a table per row as text, the same as JSON, and an SVG
bar chart (written by hand: no plotting library needed)."""
import json
from html import escape

NOT_LIKE_FOR_LIKE = [
    'Linux runs with Debian\'s default mitigations for the CPU model it is shown '
    '(booted with "quiet": drop it in tools/bench/run.py to see them); Kestrel has none.',
    'Linux maps memory on demand (page faults inside thread and process creation); '
    'Kestrel maps and zeroes at mmap/spawn time.',
    "Tick rate: Kestrel's HZ is 1000; Debian's Linux is HZ 250 with NO_HZ: timer "
    'interrupts land in different samples (the median hides most).',
    'spawn: kestrel_spawn (one system call, program from a boot module) against '
    "musl's posix_spawn (clone(CLONE_VM|CLONE_VFORK) + execve from the initramfs).",
    'Bochs (ips=50M) ticks every 50,000 instructions: its creation figures include timer interrupts.',
    'Kestrel counters and ENQCMD figures have no Linux counterpart.',
    "boot: Kestrel's own instructions, from its first (boot/entry.asm) to the first user "
    "one; firmware and GRUB before it are not counted. Linux's is not measured.",
]


def ratio(k, lx):
    return round(k / lx, 3) if k and lx else None


def rows_of(res):
    k = (res.get('kestrel') or {}).get('ops', {})
    lx = (res.get('linux') or {}).get('ops', {})
    names = list(k) + [n for n in lx if n not in k]
    return [(n, k.get(n), lx.get(n)) for n in names]


def fmt(s):
    return f'{s["median"]:,} [{s["p10"]:,}..{s["p90"]:,}]' if s else '-'


def table(res):
    lines = [f'== {res["row"]} ({res["cpu"]}): instructions per operation, '
             'median [p10..p90]', f'{"operation":<40} {"Kestrel":>26} {"Linux":>26} {"K/L":>7}']
    for name, k, lx in rows_of(res):
        r = ratio(k and k['median'], lx and lx['median'])
        lines.append(f'{name:<40} {fmt(k):>26} {fmt(lx):>26} {f"{r:.2f}" if r else "-":>7}')
    for name, c in ((res.get('kestrel') or {}).get('counters') or {}).items():
        sw = c.get('switches') or 1
        per = ', '.join(f'{key} {c[key] / sw:.2f}' for key in c if key != 'switches')
        lines.append(f'kestrel counters per round trip ({name}, {sw} trips): {per}')
    for side in ('kestrel', 'linux'):
        for name, why in ((res.get(side) or {}).get('skips') or {}).items():
            lines.append(f'{side}: skipped {name}: {why}')
        lines += [f'{side}: check: {c}' for c in (res.get(side) or {}).get('checks', [])]
    lines += [f'note: {n}' for n in res['notes']]
    return '\n'.join(lines)


def svg(results):
    """Horizontal bars, log-free: each operation's bar pair scaled to its own maximum."""
    bars = [(row, n, k, lx) for row, res in results.items() for n, k, lx in rows_of(res)]
    h = 60 + 34 * len(bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{h}" font-family="sans-serif" font-size="11">',
           '<text x="10" y="20" font-size="14">Instructions per operation (median; each pair scaled to its larger): '
           '<tspan fill="#2a6">Kestrel</tspan> / <tspan fill="#a42">Linux</tspan></text>']
    y = 40
    for row, name, k, lx in bars:
        top = max(s['median'] for s in (k, lx) if s) if (k or lx) else 1
        out.append(f'<text x="10" y="{y + 12}">{escape(row)}: {escape(name)}</text>')
        for i, (s, color) in enumerate(((k, '#2a6'), (lx, '#a42'))):
            if s:
                w = max(1, int(420 * s['median'] / top))
                out.append(f'<rect x="320" y="{y + i * 14}" width="{w}" height="12" fill="{color}"/>')
                out.append(f'<text x="{326 + w}" y="{y + 10 + i * 14}">{s["median"]:,}</text>')
        y += 34
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def write(results, out, linux_version=None):
    text = '\n\n'.join(table(r) for r in results.values())
    text += '\n\nNot like for like:\n' + '\n'.join(f'- {n}' for n in NOT_LIKE_FOR_LIKE) + '\n'
    if linux_version:
        text += f'Linux kernel: Debian {linux_version}\n'
    (out / 'bench.txt').write_text(text)
    (out / 'bench.json').write_text(json.dumps(
        {'rows': results, 'not_like_for_like': NOT_LIKE_FOR_LIKE, 'linux': linux_version,
         'ratio': 'Kestrel median / Linux median'}, indent=1) + '\n')
    (out / 'bench.svg').write_text(svg(results))
    print('\n'.join(text.split('\n\nNot like for like:')[1:]))
