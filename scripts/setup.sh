#!/usr/bin/env bash
# pihv setup: installs what the build and the emulators need, from Debian's archive only.
# Idempotent: every step first checks whether its result is already there.
#   - build tools, GRUB (BIOS + EFI), xorriso, mtools, OVMF, Bochs BIOS/VGA BIOS: bookworm
#   - clang-14 and libFuzzer (libclang-rt-14-dev) for tests/fuzz: bookworm
#   - QEMU 10: bookworm-backports
#   - Bochs 3.0: built from Debian trixie's *source* package into $PIHV_CACHE (outside the repo),
#     with the fixes in scripts/bochs/*.patch (docs/emulators.md §9.7, §9.8, §13.1); the prefix's name
#     carries their level, so a new fix builds a new Bochs next to the old one
# Fails with a message naming the step; never silently.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PIHV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pihv}
BOCHS_PREFIX=$CACHE/bochs-3.0-pihv2
MIRROR=${PIHV_DEBIAN_MIRROR:-http://deb.debian.org/debian}
STEP=""
fail() { echo "setup: FAILED at step '$STEP': $*" >&2; exit 1; }
trap 'fail "command failed (line $LINENO)"' ERR
step() { STEP=$1; echo "setup: $1"; }

SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { STEP="privileges"; fail "need root or sudo to install packages"; }
	SUDO=sudo
fi

APT_UPDATED=0
apt_update() {
	[ $APT_UPDATED = 1 ] && return 0
	$SUDO apt-get update -qq || fail "apt-get update"
	APT_UPDATED=1
}

# Packages from bookworm itself; binary name -> package.
need_pkgs=()
chk() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
chkf() { [ -e "$1" ] || need_pkgs+=("$2"); }
step "checking bookworm packages"
chk gcc gcc; chk g++ g++; chk make make; chk xorriso xorriso; chk mformat mtools
chk grub-mkrescue grub-common; chk xz xz-utils; chk python3 python3; chk patch patch
chk clang-format clang-format; chk cppcheck cppcheck  # make lint
chkf /usr/lib/grub/i386-pc/boot.img grub-pc-bin
chkf /usr/lib/grub/x86_64-efi/kernel.img grub-efi-amd64-bin
chkf /usr/share/OVMF/OVMF_CODE_4M.fd ovmf
chkf /usr/share/bochs/BIOS-bochs-latest bochsbios
chkf /usr/share/vgabios/vgabios.bin vgabios
if [ ${#need_pkgs[@]} -gt 0 ]; then
	step "installing ${need_pkgs[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" \
		|| fail "apt-get install ${need_pkgs[*]}"
fi

# clang 14 and its libFuzzer runtime for the parser fuzzers (tests/fuzz/, make fuzz); the
# runtime is in libclang-rt-14-dev, which clang-14 only recommends.
fuzz_rt() { ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; }
step "checking clang-14 and libFuzzer"
if ! command -v clang-14 >/dev/null 2>&1 || ! fuzz_rt; then
	step "installing clang-14 libclang-rt-14-dev"
	apt_update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		clang-14 libclang-rt-14-dev || fail "apt-get install clang-14 libclang-rt-14-dev"
	{ command -v clang-14 >/dev/null && fuzz_rt; } ||
		fail "clang-14's libFuzzer runtime (libclang_rt.fuzzer-x86_64.a) still missing"
fi

# QEMU >= 10 from bookworm-backports.
qemu_major() { qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'; }
step "checking QEMU >= 10"
if [ "$(qemu_major || true)" = "" ] || [ "$(qemu_major)" -lt 10 ]; then
	step "installing QEMU 10 from bookworm-backports"
	bp=/etc/apt/sources.list.d/pihv-bookworm-backports.list
	if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deb $MIRROR bookworm-backports main" | $SUDO tee $bp >/dev/null
		APT_UPDATED=0
	fi
	apt_update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		-t bookworm-backports qemu-system-x86 qemu-utils || fail "apt-get install -t bookworm-backports qemu-system-x86"
	[ "$(qemu_major)" -ge 10 ] || fail "QEMU from bookworm-backports is $(qemu_major), need >= 10"
fi

# Bochs 3.0 from trixie's source package (bookworm's 2.7 lacks VMX posted interrupts).
bochs_ok() {
	# Capture first: with pipefail, grep -q closing the pipe early would fail the check by SIGPIPE.
	local models
	[ -x "$BOCHS_PREFIX/bin/bochs" ] || return 1
	models=$("$BOCHS_PREFIX/bin/bochs" -help cpu 2>&1 || true)
	grep -q sapphire_rapids <<<"$models"
}
step "checking Bochs 3.0 in $BOCHS_PREFIX"
if ! bochs_ok; then
	step "fetching Bochs 3.0 source (trixie deb-src only; never a trixie 'deb' line)"
	# trixie is added as deb-src in a private source list, so the system's lists stay untouched
	# and apt can never upgrade libc to trixie (docs/emulators.md §12).
	work=$CACHE/bochs-src
	rm -rf "$work"; mkdir -p "$work/lists/partial" "$work/etc"
	echo "deb-src $MIRROR trixie main" >"$work/etc/trixie-src.list"
	aptopts=(-o Dir::Etc::SourceList="$work/etc/trixie-src.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$work/lists" -o APT::Get::List-Cleanup=0)
	apt-get "${aptopts[@]}" update -qq || fail "apt-get update of trixie deb-src"
	# The .dsc may answer 404 while the tarballs arrive (docs/emulators.md §12): don't depend on it.
	(cd "$work" && apt-get "${aptopts[@]}" source --download-only bochs) || true
	orig=$(ls "$work"/bochs_3.0*.orig.tar.* 2>/dev/null | head -1)
	[ -n "$orig" ] || fail "bochs 3.0 orig tarball not downloaded from trixie sources"
	step "building Bochs 3.0 (about 75 s on 2 cores)"
	tar -C "$work" -xf "$orig"
	src=$(find "$work" -maxdepth 1 -type d -name 'bochs-3.0*' | head -1)
	[ -n "$src" ] || fail "unpacked source directory not found"
	for p in "$ROOT"/scripts/bochs/*.patch; do
		patch -d "$src" -p1 --forward --quiet <"$p" || fail "applying $(basename "$p")"
	done
	(cd "$src" && ./configure --prefix="$BOCHS_PREFIX" --enable-x86-64 --enable-smp --enable-vmx=2 \
		--enable-cpu-level=6 --enable-avx --enable-evex --enable-all-optimizations --with-nogui \
		--disable-plugins --enable-pci --enable-a20-pin >"$work/configure.log" 2>&1) \
		|| fail "configure (see $work/configure.log)"
	(cd "$src" && make -j"$(nproc)" >"$work/make.log" 2>&1) || fail "make (see $work/make.log)"
	(cd "$src" && make install >"$work/install.log" 2>&1) || fail "make install (see $work/install.log)"
	bochs_ok || fail "built Bochs does not list the sapphire_rapids CPU model"
	rm -rf "$src"
fi
# Captured whole first: with pipefail, `| head -1` closing the pipe could fail the step by SIGPIPE.
qemu_version=$(qemu-system-x86_64 --version)
echo "setup: ok (bochs: $BOCHS_PREFIX/bin/bochs, ${qemu_version%%$'\n'*})"
