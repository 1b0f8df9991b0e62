#!/bin/sh
# make debug: QEMU halted at reset with its GDB stub, and GDB attached with
# the kernel's symbols.  The serial console goes to build/debug-serial.log
# (follow it with `tail -f` in another terminal).
#   usage: tools/gdb/debug.sh ISO ELF
set -eu
iso=$1 elf=$2
port=${GDB_PORT:-1234}
tools/qemu.py "$iso" -serial file:build/debug-serial.log -monitor none \
	-gdb tcp:127.0.0.1:"$port" -S &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
echo "debug: QEMU is halted at reset; serial log in build/debug-serial.log"
echo "debug: try: kbreak kmain, continue, bt, info registers, list"
gdb -q -x tools/gdb/kestrel.gdb -ex "target remote 127.0.0.1:$port" "$elf"
