"""The C style (.clang-format), on the lines a change touches.

The tree is not reformatted: only what a branch (or the working tree) changes
against main has to follow .clang-format, so the check never makes anyone
rewrite code they did not write.  KESTREL_FORMAT_BASE names another base.
"""
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(*args):
    return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True)


def base():
    """The commit the change started from, or None."""
    for ref in filter(None, (os.environ.get('KESTREL_FORMAT_BASE'), 'origin/main', 'main')):
        r = git('merge-base', 'HEAD', ref)
        if r.returncode == 0:
            return r.stdout.strip()
    return None


def format_diff(commit):
    """What clang-format would change on the C lines changed since commit."""
    r = git('clang-format', '--diff', '--extensions', 'c,h', commit)
    if r.returncode not in (0, 1):
        raise RuntimeError(r.stderr)
    return '' if 'no modified files' in r.stdout or 'did not modify' in r.stdout else r.stdout


class FormatTest(unittest.TestCase):
    def setUp(self):
        if not shutil.which('clang-format') or not shutil.which('git-clang-format'):
            self.skipTest('clang-format is not installed (make deps installs it)')
        if not (ROOT / '.git').exists():
            self.skipTest('not a git checkout')

    def test_changed_lines_follow_clang_format(self):
        commit = base()
        if commit is None:
            self.skipTest('no main branch to compare with')
        diff = format_diff(commit)
        self.assertEqual(diff, '', '\nrun `git clang-format ' + commit[:12] + '` to apply:\n' + diff)

    def test_the_check_sees_a_badly_formatted_line(self):
        # The check itself, in a scratch repository: one bad line is found.
        with tempfile.TemporaryDirectory() as d:
            def run(*args):
                subprocess.run(args, cwd=d, check=True, capture_output=True)
            shutil.copy(ROOT / '.clang-format', d)
            run('git', 'init', '-q')
            (Path(d) / 'a.c').write_text('int f(void)\n{\n\treturn 1;\n}\n')
            run('git', 'add', '.')
            run('git', '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'a')
            (Path(d) / 'a.c').write_text('int f(void)\n{\n\treturn 1;\n}\nint  g( int x ){return x+1;}\n')
            r = subprocess.run(['git', 'clang-format', '--diff', '--extensions', 'c,h', 'HEAD'],
                               cwd=d, capture_output=True, text=True)
            self.assertIn('+int g(int x) { return x + 1; }', r.stdout)


if __name__ == '__main__':
    unittest.main()
