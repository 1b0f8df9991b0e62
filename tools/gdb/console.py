#!/usr/bin/env python3
"""The guest's serial console during `make debug`, for a second terminal.

make debug connects COM1 to a socket (build/debug-console.sock) and logs it
to build/debug-serial.log.  Run this in another terminal to type to the
guest and see its output live:  tools/gdb/console.py  (Ctrl-] quits).
It reconnects when the next `make debug` starts.
"""
import os
import select
import socket
import sys
import termios
import time
import tty

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'debug-console.sock')
QUIT = b'\x1d'   # Ctrl-]


def session(sock, fd):
    while True:
        r, _, _ = select.select([sock, fd], [], [])
        if sock in r:
            data = sock.recv(4096)
            if not data:
                return True
            os.write(1, data)
        if fd in r:
            data = os.read(fd, 1024)
            if QUIT in data:
                return False
            sock.sendall(data.replace(b'\n', b'\r'))


def main():
    fd = sys.stdin.fileno()
    interactive = os.isatty(fd)
    old = termios.tcgetattr(fd) if interactive else None
    print('console: %s (Ctrl-] quits)' % os.path.relpath(path), flush=True)
    try:
        if interactive:
            tty.setraw(fd)
        while True:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
            except OSError:
                time.sleep(0.5)         # make debug has not started QEMU yet
                continue
            with s:
                if not session(s, fd):
                    break
    except KeyboardInterrupt:
        pass
    finally:
        if old:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        print()


if __name__ == '__main__':
    main()
