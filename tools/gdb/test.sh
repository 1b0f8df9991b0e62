#!/bin/sh
# The GDB set-up, tested as a student would use it: boot under QEMU's stub,
# break in a 64-bit kernel function, and check the backtrace, registers and
# source lines.  Prints KTAP for tools/ktest.py.
set -u
elf=build/kestrel.elf iso=build/kestrel.iso
echo "KTAP version 1"
echo "1..1"
if ! command -v gdb >/dev/null || [ ! -f "$iso" ]; then
	echo "ok 1 gdb_breaks_in_pmm_init # SKIP gdb or $iso missing"
	exit 0
fi
port=$((20000 + $$ % 20000))
log=build/gdb-test.log
tools/qemu.py "$iso" -serial null -monitor none -gdb tcp:127.0.0.1:$port -S &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT
timeout 60 gdb -q -batch -x tools/gdb/kestrel.gdb \
	-ex "target remote 127.0.0.1:$port" \
	-ex "kbreak pmm_init" -ex "continue" \
	-ex "bt" -ex "info registers rip cs" -ex "list pmm_init" \
	"$elf" > "$log" 2>&1
fail=
grep -q "^#0 .*pmm_init" "$log" || fail="$fail no frame #0 in pmm_init;"
grep -q "^#1 .*kmain" "$log" || fail="$fail no frame #1 in kmain;"
grep -Eq "^cs +0x10 " "$log" || fail="$fail cs is not the 64-bit kernel segment;"
grep -q "mm/pmm.c" "$log" || fail="$fail no source file;"
grep -q "void pmm_init(void)" "$log" || fail="$fail no source lines;"
if [ -n "$fail" ]; then
	sed 's/^/# /' "$log"
	echo "# gdb:$fail"
	echo "not ok 1 gdb_breaks_in_pmm_init"
	exit 1
fi
echo "ok 1 gdb_breaks_in_pmm_init"
