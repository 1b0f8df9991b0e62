#!/bin/sh
# make debug EMU=bochs: the bochs-spr row (Sapphire Rapids: XSAVES, the
# compacted format, AVX-512) halted at reset with Bochs's own GDB stub.
#   usage: tools/gdb/bochs-debug.sh ISO ELF
# What Bochs 3.0's stub cannot serve (docs/debugging.md): no vector, x87,
# control or MSR registers ('g' carries the general registers only), no
# hardware breakpoints or watchpoints, and reading an address paging does
# not map crashes it; kbreak works around that last one.
# COM1 is output only here: build/debug-serial.log (tail -f it).
set -eu
iso=$1 elf=$2
port=${GDB_PORT:-1234}
log=build/debug-serial.log
bochs=${KESTREL_CACHE:-$HOME/.cache/kestrel}/bochs-3.0/bin/bochs
[ -x "$bochs" ] || { echo "debug: $bochs missing: make deps"; exit 1; }
rm -f "$log"
dir=$(tools/gdb/session.py --bochsrc "$iso" "$port" "$log")
(cd "$dir" && exec setsid "$bochs" -q -f bochsrc </dev/null >bochs.log 2>&1) &
bochs_pid=$!
trap : INT
trap 'kill $bochs_pid 2>/dev/null || true' EXIT
sed -e 's|QEMU is halted|Bochs is halted|' \
    -e 's|The console (COM1) is a socket: run|COM1 is output only: tail -f build/debug-serial.log|' \
    -e '/console.py/d' -e '/debug-serial.log /d' -e 's|kbreak kmain    |kbreak kmain    |' tools/gdb/banner.txt
echo "debug: Bochs stops with \"Program stopped.\" at some exceptions: continue."
KESTREL_EMU=bochs gdb -q -x tools/gdb/kestrel.gdb -ex "set tcp connect-timeout 30" \
	-ex "target remote 127.0.0.1:$port" "$elf"
