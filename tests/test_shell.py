"""The shell on the console, as a student types at it (make run): ^C ends
the program the shell runs with SIGINT, the shell survives and says how the
program ended.  Boots build/kestrel.iso (init=sh) in QEMU with COM1 on
this test's pipes."""
import os
import select
import subprocess
import tempfile
import sys
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
from qemu import qemu_argv  # noqa: E402

ISO = ROOT / 'build' / 'kestrel.iso'


class Shell:
    def __init__(self):
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen(qemu_argv('max', str(ISO), '-serial', 'stdio', '-monitor', 'none'),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        self.out = b''
        self.said = b''     # the whole console, for a failure's message

    # Generous: make test boots this beside the other rows and the GDB tests,
    # two cores for all of them.  Consumes the console up to the end of text,
    # so that the next wait sees only what came after it: one read can carry
    # a message and the prompt after it.
    def wait_for(self, text, timeout=90):
        end = time.time() + timeout
        while text.encode() not in self.out:
            left = end - time.time()
            if left <= 0 or self.p.poll() is not None:
                self.err.seek(0)
                raise AssertionError(f'no {text!r} on the console after {timeout} s; it said:\n'
                                     f'{self.said.decode(errors="replace")}\nQEMU: {self.err.read().decode(errors="replace")}')
            if select.select([self.p.stdout], [], [], left)[0]:
                got = os.read(self.p.stdout.fileno(), 4096)
                self.out, self.said = self.out + got, self.said + got
        self.out = self.out[self.out.index(text.encode()) + len(text.encode()):]

    def type(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def close(self):
        self.p.kill()
        self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.err):
            f.close()


@unittest.skipUnless(ISO.exists(), 'build/kestrel.iso not built (make)')
class CtrlCTest(unittest.TestCase):
    def test_ctrl_c_kills_the_program_not_the_shell(self):
        sh = Shell()
        try:
            try:
                sh.wait_for('kestrel$ ', 45)
            except AssertionError:
                if sh.said:
                    raise   # the kernel spoke, then stopped: a real failure
                # Not a byte in 45 s (once seen under make test's load, with
                # QEMU still running): boot once more before failing.
                sh.close()
                sh = Shell()
                sh.wait_for('kestrel$ ')
            sh.type('test-signals pause\r')
            sh.wait_for('test-signals: waiting for a signal')
            sh.type('\x03')
            sh.wait_for('sh: test-signals killed by signal 2 (SIGINT)')
            sh.wait_for('kestrel$ ')
            sh.type('hello\r')      # the shell still runs programs
            sh.wait_for('hello from Kestrel')
            sh.wait_for('kestrel$ ')
            sh.type('exit\r')
            self.assertEqual(sh.p.wait(timeout=90), 1, 'QEMU exit status: 1 is "kestrel: exit 0"')
        finally:
            sh.close()


if __name__ == '__main__':
    unittest.main()
