#!/usr/bin/env bash
# Build the Bochs 3.0 x86-64 emulator (Sapphire Rapids CPU model, headless)
# from Debian trixie's source package, once, into $KESTREL_CACHE/bochs-3.0
# (default ~/.cache/kestrel/bochs-3.0).  tools/ktest.py boots Kestrel in it
# with tools/bochsrc.txt.
#
# Idempotent: if a complete build is already there it prints the path of the
# bochs binary and exits at once.  Otherwise it
#   1. installs the few Debian packages the build needs (apt-get);
#   2. fetches bochs's orig tarball with apt-get source, using a private
#      trixie deb-src list derived from this machine's Debian mirror, so the
#      machine's own apt configuration is never changed;
#   3. checks it against the sha256 pinned below;
#   4. configures, builds and installs it, plus the BIOS images the Debian
#      (DFSG) tarball lacks: BIOS-bochs-latest is built from the tarball's own
#      rombios.c, the VGA BIOS comes from Debian's vgabios package.
# Takes about 2 minutes on 2 cores (make -j2 alone is ~1.5 min of it).
#
# Environment: KESTREL_CACHE (cache root), BOCHS_KEEP_BUILD=1 (keep the
# build tree for debugging).  Output: progress on stderr, the bochs path on
# stdout.  Any failure says what failed and exits non-zero.
set -Eeuo pipefail

readonly BOCHS_VERSION=3.0
readonly SRC_SUITE=trixie
readonly SRC_PACKAGE=bochs
readonly ORIG_TARBALL=bochs_3.0+dfsg.orig.tar.xz
# From trixie's main/source/Sources index (bochs 3.0+dfsg-1).  A Debian
# revision bump keeps the same orig tarball, so this stays valid; a new
# upstream version is a deliberate change of this script.
readonly ORIG_SHA256=78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b

# Debian packages the build needs.
#   build-essential, dpkg-dev   compilers, make; dpkg-dev for apt-get source
#   xz-utils                    the tarball is .tar.xz
#   bcc bin86 acpica-tools      16-bit compiler/assembler and iasl, to build
#                               BIOS-bochs-latest (rombios) from source
#   vgabios                     the LGPL VGA BIOS (VGABIOS-lgpl-latest)
readonly APT_PACKAGES=(build-essential dpkg-dev xz-utils bcc bin86 acpica-tools vgabios)
readonly VGABIOS_FILE=/usr/share/vgabios/vgabios.bin

# Headless (nogui, no display library at all), statically linked devices (no
# plugins), with every CPU feature the sapphire_rapids model can report:
# AVX/AVX-512 (evex), AMX, PKU/PKS (protection-keys), CET.  PCI (i440FX +
# PIIX4 ACPI) and the ATAPI CD-ROM are defaults, named here so they stay on.
# Serial ports are always built.  gdb-stub lets `bochs` serve gdb.
readonly CONFIGURE_FLAGS=(
	--enable-x86-64 --enable-cpu-level=6
	--enable-avx --enable-evex --enable-amx
	--enable-protection-keys --enable-cet
	--enable-pci --enable-cdrom
	--enable-gdb-stub
	--with-nogui
	--without-x --without-x11 --without-sdl --without-sdl2 --without-wx
	--without-term --without-rfb --without-vncsrv
	--disable-plugins --disable-docbook --disable-xpm
)
# -O2 without -g: the emulator's speed matters more than its debug info.
readonly BUILD_CFLAGS="-O2 -pipe"

if [ -z "${HOME:-}" ]; then HOME=$(getent passwd "$(id -u)" | cut -d: -f6); fi
CACHE=${KESTREL_CACHE:-$HOME/.cache/kestrel}
PREFIX=$CACHE/bochs-$BOCHS_VERSION
BOCHS=$PREFIX/bin/bochs
SHARE=$PREFIX/share/bochs
# Written last into a finished prefix; it records what was built, so a change
# of tarball or flags in this script causes a rebuild.
STAMP=$PREFIX/.kestrel-build
STAMP_TEXT="$ORIG_SHA256 $BUILD_CFLAGS ${CONFIGURE_FLAGS[*]} +rombios +vgabios"
LOG=$CACHE/bochs-build.log
DISTFILES=$CACHE/distfiles
APTDIR=$CACHE/apt-$SRC_SUITE-src
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

say() { echo "bochs: $*" >&2; }

# --- fast path ---------------------------------------------------------------
is_built() {
	[ -x "$BOCHS" ] && [ -f "$SHARE/BIOS-bochs-latest" ] &&
		[ -f "$SHARE/VGABIOS-lgpl-latest.bin" ] &&
		[ "$(cat "$STAMP" 2>/dev/null)" = "$STAMP_TEXT" ] &&
		# "runs": it starts, lists its CPU models and exits 0
		# (grep without -q reads to the end: no SIGPIPE under pipefail)
		"$BOCHS" --help cpu </dev/null 2>&1 | grep -x sapphire_rapids >/dev/null
}
if is_built; then echo "$BOCHS"; exit 0; fi

# --- failure report ----------------------------------------------------------
STEP="starting"
on_error() {
	local rc=$?
	trap - ERR
	{
		echo "bochs: FAILED while $STEP (exit status $rc)."
		if [ -s "$LOG" ]; then
			echo "bochs: last lines of $LOG:"
			tail -n 25 "$LOG" | sed 's/^/    /'
		fi
		echo "bochs: fix the cause above, then retry with: make deps   (or: $0)"
	} >&2
	exit "$rc"
}
trap on_error ERR
step() { STEP=$1; say "$1"; echo "=== $(date +%T) $1" >>"$LOG"; }
# Run a command with its output in the log, not on the terminal.
logged() { "$@" >>"$LOG" 2>&1; }

mkdir -p "$CACHE" "$DISTFILES"

# Two builds at once (two `make deps`) would trample each other: take turns,
# and the second one finds the first one's result.
exec 9>"$CACHE/bochs-build.lock"
if ! flock -n 9; then
	say "another bochs build is running; waiting for it"
	flock 9
	if is_built; then echo "$BOCHS"; exit 0; fi
fi

: >"$LOG"
START=$(date +%s)
say "building Bochs $BOCHS_VERSION into $PREFIX (log: $LOG)"

# --- apt helpers ---------------------------------------------------------------
# Another process may be running apt-get or dpkg: wait for its locks rather
# than fail (up to 10 minutes), retrying only on lock errors.
apt_retry() {
	local out rc i
	for i in $(seq 120); do
		out=$("$@" 2>&1) && rc=0 || rc=$?
		echo "$out" >>"$LOG"
		[ "$rc" = 0 ] && return 0
		grep -Eq 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' <<<"$out" || return "$rc"
		[ "$i" = 1 ] && say "apt/dpkg is locked by another process; waiting"
		sleep 5
	done
	return "$rc"
}
apt_install() {
	apt_retry $SUDO env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@"
}

# --- 1. build dependencies -------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	step "installing Debian packages: ${missing[*]}"
	# Only refresh the package lists if installing from them fails.
	if ! apt_install "${missing[@]}"; then
		apt_retry $SUDO apt-get -q update
		apt_install "${missing[@]}"
	fi
fi

# --- 2. the source tarball ------------------------------------------------------
sha_ok() { echo "$ORIG_SHA256  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

# This machine's Debian mirror: the first deb/deb-src URI of a Debian (not
# security) repository in its deb822 .sources or one-line .list files.
debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk -v RS= '
			/(^|\n)Types:[^\n]*deb/ && !/(^|\n)Enabled: *no/ {
				if (match($0, /(^|\n)URIs:[^\n]*/)) {
					n = split(substr($0, RSTART, RLENGTH), u, /[ \t]+/)
					for (i = 2; i <= n; i++)
						if (u[i] ~ /debian/ && u[i] !~ /security/) { print u[i]; exit }
				}
			}' "$f")
		[ -n "$uri" ] && { echo "${uri%/}"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(sed -E -n 's/^[[:space:]]*deb(-src)?[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\3/p' "$f" |
			grep -v security | grep -m1 debian || true)
		[ -n "$uri" ] && { echo "${uri%/}"; return; }
	done
	echo http://deb.debian.org/debian
}

TARBALL=$DISTFILES/$ORIG_TARBALL
if [ -f "$TARBALL" ] && sha_ok "$TARBALL"; then
	say "using cached $TARBALL"
else
	rm -f "$TARBALL"
	MIRROR=$(debian_mirror)
	step "fetching $SRC_PACKAGE source from $MIRROR ($SRC_SUITE)"
	KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
	SIGNED_BY=; [ -r "$KEYRING" ] && SIGNED_BY="[signed-by=$KEYRING] "
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
	echo "deb-src ${SIGNED_BY}$MIRROR $SRC_SUITE main" >"$APTDIR/sources.list"
	# Everything apt reads or writes for this lives in $APTDIR: the machine's
	# sources, package lists and caches stay as they were.
	APT_PRIVATE=(
		-o Dir::Etc::SourceList="$APTDIR/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$APTDIR/lists"
		-o Dir::Cache="$APTDIR/cache"
	)
	apt_retry apt-get -q "${APT_PRIVATE[@]}" update
	# --tar-only: only the orig tarball (we build upstream's tree and need no
	# Debian packaging).  Fetching the full source may 404 on the .dsc, so it
	# is the fallback, tolerated if the tarball itself arrived; then apt's own
	# downloader straight from the pool, checked against the pinned hash.
	( cd "$DISTFILES" && apt_retry apt-get -q "${APT_PRIVATE[@]}" source --download-only --tar-only "$SRC_PACKAGE" ) ||
		( cd "$DISTFILES" && apt_retry apt-get -q "${APT_PRIVATE[@]}" source --download-only "$SRC_PACKAGE" ) ||
		[ -f "$TARBALL" ] ||
		logged /usr/lib/apt/apt-helper download-file \
			"$MIRROR/pool/main/${SRC_PACKAGE:0:1}/$SRC_PACKAGE/$ORIG_TARBALL" "$TARBALL" "SHA256:$ORIG_SHA256"
	# Keep only the tarball: the 20 MB Sources index is stale by next time.
	rm -rf "$APTDIR" "$DISTFILES"/*.dsc "$DISTFILES"/*.debian.tar.*
	STEP="checking $ORIG_TARBALL"
	if [ ! -f "$TARBALL" ]; then
		echo "apt did not produce $TARBALL (is $SRC_PACKAGE still $BOCHS_VERSION in $SRC_SUITE?)" >>"$LOG"
		false
	fi
	if ! sha_ok "$TARBALL"; then
		echo "sha256 mismatch: $(sha256sum "$TARBALL" | cut -d' ' -f1), expected $ORIG_SHA256" >>"$LOG"
		rm -f "$TARBALL"
		false
	fi
fi

# --- 3. configure, build, install -----------------------------------------------
BUILD=$(mktemp -d "$CACHE/bochs-build.XXXXXX")
cleanup() { [ "${BOCHS_KEEP_BUILD:-0}" = 1 ] || rm -rf "$BUILD"; }
trap cleanup EXIT

step "unpacking"
tar -xJf "$TARBALL" -C "$BUILD"
SRC=$BUILD/bochs-$BOCHS_VERSION
cd "$SRC"

# A `make deps` parent must not pass its jobserver or flags down.
unset MAKEFLAGS MFLAGS MAKELEVEL
export CFLAGS="$BUILD_CFLAGS" CXXFLAGS="$BUILD_CFLAGS"

step "configuring"
logged ./configure --prefix="$PREFIX" "${CONFIGURE_FLAGS[@]}"

step "compiling (make -j$(nproc))"
logged make -j"$(nproc)"

# The DFSG tarball drops upstream's prebuilt BIOS images; build the Bochs BIOS
# (16-bit part with bcc/as86, 32-bit part and ACPI DSDT with gcc -m32/iasl).
step "building BIOS-bochs-latest"
logged make -C bios BIOS-bochs-latest IASL="$(command -v iasl)"

# Install into a staging tree, then move it into place in one rename, so the
# prefix is never half-installed.  (Bochs's compiled-in BXSHARE is $PREFIX.)
step "installing"
STAGE=$BUILD/stage
logged make install DESTDIR="$STAGE"
install -m 644 "$VGABIOS_FILE" "$STAGE$SHARE/VGABIOS-lgpl-latest.bin"
for f in bin/bochs share/bochs/BIOS-bochs-latest share/bochs/VGABIOS-lgpl-latest.bin; do
	if [ ! -f "$STAGE$PREFIX/$f" ]; then echo "make install did not produce $f" >>"$LOG"; false; fi
done
STEP="checking that the new bochs runs"
"$STAGE$BOCHS" --help cpu </dev/null 2>&1 | grep -x sapphire_rapids >/dev/null
echo "$STAMP_TEXT" >"$STAGE$STAMP"
rm -rf "$PREFIX"
mv "$STAGE$PREFIX" "$PREFIX"

say "done in $(( $(date +%s) - START )) s"
echo "=== $(date +%T) done" >>"$LOG"
echo "$BOCHS"
