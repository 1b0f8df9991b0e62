#!/bin/sh
# Install what building, running and testing Kestrel needs, only if it is
# missing: Debian packages with apt-get, then Bochs 3.0 (tools/deps/bochs.sh,
# built once and cached in $KESTREL_CACHE).  Safe to run again at any time.
set -eu

# command-or-file  package
need='
nasm nasm
gcc gcc
ld binutils
make make
grub-mkrescue grub-common
/usr/lib/grub/i386-pc/multiboot2.mod grub-pc-bin
xorriso xorriso
mformat mtools
qemu-system-x86_64 qemu-system-x86
musl-gcc musl-tools
gdb gdb
python3 python3
clang-format clang-format
'
missing=$(echo "$need" | while read -r what pkg; do
	[ -n "$what" ] || continue
	case "$what" in
	/*) [ -e "$what" ] || echo "$pkg" ;;
	*) command -v "$what" >/dev/null 2>&1 || echo "$pkg" ;;
	esac
done | sort -u | tr '\n' ' ')

if [ -n "$missing" ]; then
	echo "deps: installing Debian packages: $missing"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	       $SUDO apt-get install -y -qq --no-install-recommends $missing; } >/tmp/kestrel-apt.log 2>&1; then
		tail -20 /tmp/kestrel-apt.log
		echo "deps: apt-get install of '$missing' failed (log: /tmp/kestrel-apt.log)."
		echo "deps: check the network or apt sources, then retry with: make deps"
		exit 1
	fi
fi

# `make test` sets KESTREL_BOCHS_OPTIONAL=1: if Bochs cannot be built, the
# bochs-spr row is then reported as skipped (with the reason) instead of
# stopping every other test from running.
if [ "${KESTREL_BOCHS_OPTIONAL:-0}" = 1 ]; then
	"$(dirname "$0")/bochs.sh" || echo "deps: Bochs 3.0 could not be built; the bochs-spr row will be skipped (retry: make deps)"
else
	exec "$(dirname "$0")/bochs.sh"
fi
