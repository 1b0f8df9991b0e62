#!/bin/sh
# make debug: QEMU halted at reset with its GDB stub, and GDB attached with
# the kernel's symbols and tools/gdb/kestrel.gdb (docs/debugging.md).
#   usage: tools/gdb/debug.sh ISO ELF        (EMU=bochs: tools/gdb/bochs-debug.sh)
#
# QEMU runs in a session of its own (setsid), outside the terminal's process
# group: Ctrl-C reaches only GDB, which stops the guest through the stub.
# COM1 goes to a socket and to build/debug-serial.log; tools/gdb/console.py
# in a second terminal is the guest's console (type to the shell there).
set -eu
iso=$1 elf=$2
[ "${EMU:-qemu}" = bochs ] && exec tools/gdb/bochs-debug.sh "$iso" "$elf"
port=${GDB_PORT:-1234}
sock=build/debug-console.sock log=build/debug-serial.log
rm -f "$sock" "$log"
setsid tools/qemu.py --cpu "${QEMU_CPU:-max}" "$iso" -monitor none \
	-chardev socket,id=com1,path="$sock",server=on,wait=off,logfile="$log" -serial chardev:com1 \
	-gdb tcp:127.0.0.1:"$port" -S </dev/null &
qemu=$!
# Ctrl-C is GDB's (the shell must outlive it to clean up); at exit, QEMU goes.
trap : INT
trap 'kill $qemu 2>/dev/null || true' EXIT
cat tools/gdb/banner.txt
gdb -q -x tools/gdb/kestrel.gdb -ex "target remote 127.0.0.1:$port" "$elf"
