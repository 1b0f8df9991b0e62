"""The coursework is honest (docs/labs/README.md): every lab's student tree,
cut with the documented command, builds, boots and scores exactly 0 on its
own lab while every lab before it keeps full marks; the full tree has full
marks on every lab; and a plausible wrong solution fails its lab's grader
with a message that points at the mistake."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# The host row gives each module a boot's timeout; this one cuts, builds and
# grades seven trees (230 s on an idle two-core machine, more beside the rows).
TIMEOUT = 900

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools' / 'lab'))
from labs import LABS, before  # noqa: E402

BY = {lab.name: lab for lab in LABS}

# (lab whose tree is cut, lab graded, file, the solution's text, a wrong one, what the grader must say).
# A wrong solution of lab L is tried in the tree of the lab after L, where L's code is kept; the
# last lab's, in a copy of the full tree (cut None).
WRONG = [
    ('syscall', 'switch', 'cpu/switch.asm', '    pop r14\n', '    pop r15\n', 'r14 not preserved'),
    ('layout', 'syscall', 'traps/trap.c', 'uint64_t insn = (uint64_t)&e->insn + e->insn;',
     'uint64_t insn = (uint64_t)e->insn;', 'PANIC: #PF page fault in kernel mode'),
    ('restore', 'layout', 'fpu/layout.c', 'offset = (offset + 63) & ~(uint64_t)63;', 'offset = offset;',
     'rounded up to 64'),
    ('update', 'restore', 'fpu/switch.c', 'return fpu_owner == &t->fpu && t->fpu.last_cpu == THIS_CPU;',
     'return t->fpu.last_cpu == THIS_CPU;', 'console: xstate-probe: after sched_yield'),
    ('pasid', 'update', 'fpu/update.c', 'memcpy(fx, ifx, offsetof(struct fxregs_state, mxcsr));',
     'memcpy(fx, ifx, offsetof(struct fxregs_state, st_space));', 'must step around bytes 24-31'),
    ('signals', 'pasid', 'traps/gp.c', '\tt->fpu.pasid_activated = true;', '',
     'the PASID latch (pasid_activated) is not set'),
    (None, 'signals', 'fpu/signal.c', '\tfx_only |= magic2 != K_FP_XSTATE_MAGIC2;\n', '\t(void)magic2;\n',
     'no_magic2_is_legacy_only'),
]


def grade(tree, lab, build=False):
    """make grade LAB=lab in tree, every test run: the JSON it writes, and its output."""
    js = Path(tree) / 'build' / f'grade-{lab}.json'     # trees are graded two at a time
    js.parent.mkdir(parents=True, exist_ok=True)
    js.unlink(missing_ok=True)
    cmd = [sys.executable, 'tools/lab/grade.py', lab, '--all', '--seed', '12345', '--json', str(js)]
    r = subprocess.run(cmd + ([] if build else ['--no-build']), cwd=tree, capture_output=True, text=True,
                       errors='replace', timeout=900)
    return (json.loads(js.read_text()) if js.exists() else None), r.stdout + r.stderr


def make(tree, labs):
    targets = sorted({t for lab in labs for t in lab.targets})
    r = subprocess.run(['make', '-j2', *targets], cwd=tree, capture_output=True, text=True, errors='replace')
    return r.returncode, (r.stdout + r.stderr)[-3000:]


def student_tree(lab, d):
    tree = Path(d) / lab
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'lab' / 'cut.py'), lab, str(tree)],
                       capture_output=True, text=True)
    return tree, r


def full_copy(d):
    """The full tree's files (as git lists them) in d/full."""
    tree = Path(d) / 'full'
    files = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split('\0'):
        if name and (ROOT / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tree / name)
    return tree


def try_wrong(tree, cut):
    """Failures: the wrong solutions WRONG tries in the tree cut for lab cut, each not caught."""
    bad = []
    for c, graded, path, right, wrong, says in WRONG:
        if c != cut:
            continue
        f = tree / path
        text = f.read_text()
        if right not in text:
            bad.append(f'{path}: "{right.strip()}" not found for the wrong solution')
            continue
        f.write_text(text.replace(right, wrong, 1))
        rc, log = make(tree, [BY[graded]])
        res, out = grade(tree, graded)
        if rc or res is None or res['score'] == res['total'] or says not in out:
            bad.append(f'lab {graded}: a wrong solution ({path}: {wrong.strip() or "deleted"}) was not '
                       f'caught with "{says}":\n{(log if rc else out)[-2000:]}')
        f.write_text(text)
    return bad


STUDENT_TREE = (ROOT / '.lab').exists()


@unittest.skipIf(STUDENT_TREE, 'a student tree (make lab-tree): its markers are cut, the check is the full tree\'s')
class MarkerTest(unittest.TestCase):
    def test_markers_are_well_formed_and_where_labs_py_says(self):
        r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'lab' / 'cut.py'), '--check'],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_every_lab_has_a_handout_with_the_parts(self):
        for lab in LABS:
            text = (ROOT / 'docs' / 'labs' / f'{lab.name}.md').read_text()
            for part in ('## Read first', '## The task', '## Hints', '## Questions', '## Challenges',
                         '## Grading'):
                self.assertIn(part, text, f'docs/labs/{lab.name}.md has no "{part}"')


@unittest.skipIf(STUDENT_TREE, 'a student tree (make lab-tree): cut from the full tree')
class HandinTest(unittest.TestCase):
    def test_handin_packs_the_work_and_the_answers_and_the_patch_applies(self):
        import tarfile
        with tempfile.TemporaryDirectory() as d:
            tree, r = student_tree('switch', d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('lab switch asks you to write', (tree / 'docs' / 'tasks.md').read_text(),
                          'the book still shows switch_to in the student tree')
            self.assertNotIn('push r12', (tree / 'cpu' / 'switch.asm').read_text())
            asm = tree / 'cpu' / 'switch.asm'
            asm.write_text(asm.read_text().replace('switch_to:\n', 'switch_to:\n    push rbp\n', 1))
            (tree / 'kernel' / 'mine.c').write_text('/* a new file */\n')
            (tree / 'answers-switch.txt').write_text('1. Because the caller saved them.\n')
            r = subprocess.run(['make', '-s', 'handin', 'LAB=switch'], cwd=tree, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with tarfile.open(tree / 'handin-switch.tar.gz') as tar:
                names = tar.getnames()
                patch = tar.extractfile('switch.patch').read().decode()
                answers = tar.extractfile('answers-switch.txt').read().decode()
            self.assertEqual(sorted(names), ['answers-switch.txt', 'switch.patch'])
            self.assertIn('+    push rbp', patch)
            self.assertIn('kernel/mine.c', patch)
            self.assertNotIn('build/', patch)
            self.assertIn('caller saved', answers)
            fresh, _ = student_tree('switch', Path(d) / 'fresh')
            (fresh / 'w.patch').write_text(patch)
            r = subprocess.run(['git', 'apply', 'w.patch'], cwd=fresh, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual((fresh / 'cpu' / 'switch.asm').read_text(), asm.read_text())
            r = subprocess.run(['make', '-s', 'handin', 'LAB=syscall'], cwd=tree, capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, 'handin for another lab than the tree\'s')


@unittest.skipIf(STUDENT_TREE, 'a student tree (make lab-tree): the honesty check is the full tree\'s')
@unittest.skipIf(os.environ.get('KESTREL_SKIP_LABS'), 'KESTREL_SKIP_LABS is set')
class HonestyTest(unittest.TestCase):
    def check_lab(self, lab, d):
        """Failures (strings) of lab's student tree (None: of a copy of the full tree)."""
        if lab is None:
            return try_wrong(full_copy(d), None)
        tree, r = student_tree(lab.name, d)
        if r.returncode:
            return [f'{lab.name}: cut.py failed: {r.stderr}']
        rc, log = make(tree, [lab, *before(lab.name)])
        if rc:
            return [f'{lab.name}: the student tree does not build:\n{log}']
        bad = []
        res, out = grade(tree, lab.name)
        if res is None:
            return [f'{lab.name}: the grader wrote no result:\n{out[-2000:]}']
        ran = [t for t in res['tests'] if t['status'] != 'SKIP']
        passed = [t['name'] for t in ran if t['status'] == 'ok']
        if passed or not ran:
            bad.append(f'{lab.name}: the stub tree passes its own tests {passed}' if passed else
                       f'{lab.name}: none of its tests ran')
        for earlier in before(lab.name):
            res, out = grade(tree, earlier.name)
            if res is None or res['score'] != res['total']:
                bad.append(f'{lab.name} tree: lab {earlier.name} lost marks:\n{out[-3000:]}')
        return bad + try_wrong(tree, lab.name)

    def test_student_trees_score_zero_on_their_lab_and_full_marks_before_it(self):
        with tempfile.TemporaryDirectory() as d:
            with ThreadPoolExecutor(2) as ex:
                results = list(ex.map(lambda lab: self.check_lab(lab, d), [*LABS, None]))
        problems = [p for r in results for p in r]
        self.assertEqual(problems, [], '\n\n'.join(problems))

    def test_the_full_tree_has_full_marks(self):
        for lab in LABS:
            res, out = grade(ROOT, lab.name, build=True)
            self.assertIsNotNone(res, out)
            self.assertEqual(res['score'], res['total'], out)


if __name__ == '__main__':
    unittest.main()
