#!/usr/bin/env bash
# The Linux guest, from Debian's packages only: bookworm's stock kernel (linux-image-amd64) and
# an initramfs of busybox-static with tests/linux/init.sh as /init.  Nothing is built from
# source.  Idempotent: files already in the cache are kept.  Prints the two paths on success.
#   $PIHV_CACHE/linux/vmlinuz, $PIHV_CACHE/linux/initramfs.cpio.gz
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PIHV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pihv}
OUT=$CACHE/linux
fail() { echo "linux-guest: FAILED: $*" >&2; exit 1; }
mkdir -p "$OUT"
cd "$OUT"
if [ ! -s vmlinuz ]; then
	# linux-image-amd64 is a metapackage: its dependency names the versioned kernel package.
	kernel_pkg() {
		# Captured whole first: with pipefail, a pipe into head could fail by SIGPIPE.
		local deps
		deps=$(apt-cache depends linux-image-amd64 2>/dev/null) || true
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' <<<"$deps" | sed -n 1p
	}
	pkg=$(kernel_pkg)
	if [ -z "$pkg" ]; then
		# A machine whose package lists were never fetched: fetch them once.
		sudo=""
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq >/dev/null 2>&1 || fail "apt-get update (needed to find linux-image-amd64)"
		pkg=$(kernel_pkg)
	fi
	[ -n "$pkg" ] || fail "apt-cache knows no linux-image-amd64 even after apt-get update"
	rm -rf dl && mkdir dl
	(cd dl && apt-get download "$pkg" >/dev/null 2>&1) || fail "apt-get download $pkg"
	dpkg-deb --fsys-tarfile dl/*.deb | tar -x -C dl ./boot || fail "unpacking $pkg"
	cp dl/boot/vmlinuz-* vmlinuz.tmp && mv vmlinuz.tmp vmlinuz
	echo "$pkg" >vmlinuz.package
	rm -rf dl
fi
init_sum=$(sha256sum "$ROOT/tests/linux/init.sh" | cut -c1-16)
if [ ! -s initramfs.cpio.gz ] || [ "$(cat initramfs.init 2>/dev/null)" != "$init_sum" ]; then
	if [ ! -x busybox ]; then
		rm -rf dl && mkdir dl
		(cd dl && apt-get download busybox-static >/dev/null 2>&1) || fail "apt-get download busybox-static"
		dpkg-deb -x dl/busybox-static_*.deb dl/x || fail "unpacking busybox-static"
		cp dl/x/bin/busybox busybox
		rm -rf dl
	fi
	python3 "$ROOT/tests/linux/mkinitramfs.py" busybox "$ROOT/tests/linux/init.sh" \
		initramfs.cpio.gz || fail "building the initramfs"
	echo "$init_sum" >initramfs.init
fi
echo "$OUT/vmlinuz"
echo "$OUT/initramfs.cpio.gz"
