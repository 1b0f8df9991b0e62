#!/bin/sh
# kernel/asm-offsets.c, compiled to assembly, carries one marker per
# constant: "->NAME HIGH LOW" for NASM, "=>NAME HIGH LOW" for the linker,
# each half a signed 32-bit decimal.  Print them as NASM %defines (nasm) or
# linker-script assignments (ld).
#   usage: tools/gen-asm-offsets.sh nasm|ld asm-offsets.s
set -eu
case $1 in
nasm) marker='->' format='%%define %s 0x%08x%08x\n' ;;
ld)   marker='=>' format='%s = 0x%08x%08x;\n' ;;
*)    echo "usage: $0 nasm|ld FILE" >&2; exit 2 ;;
esac
echo "; generated from kernel/asm-offsets.c by tools/gen-asm-offsets.sh: do not edit" |
	if [ "$1" = ld ]; then sed 's|^;|/*|; s|$| */|'; else cat; fi
awk -v m="$marker" -v fmt="$format" '
	index($0, m) {
		s = substr($0, index($0, m) + 2)
		split(s, f, /[ "]+/)
		hi = f[2] < 0 ? f[2] + 4294967296 : f[2]
		lo = f[3] < 0 ? f[3] + 4294967296 : f[3]
		printf(fmt, f[1], hi, lo)
	}' "$2"
