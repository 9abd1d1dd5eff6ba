#!/bin/bash
# Installs the build and test-bed tools (Debian 12 on x86-64) unless all are already there.
# Usage: scripts/install-deps.sh        prints "deps: ok" or "deps: installing ..."
set -euo pipefail

commands=(musl-gcc clang llc qemu-system-x86_64 cpio ip gcc make bpftool
	aarch64-linux-musl-gcc qemu-system-aarch64 mandoc systemd-analyze man strace)
# qemu-system-x86 hard-depends on seabios (bios-256k.bin), ipxe-qemu and
# qemu-system-data (linuxboot_dma.bin, kvmvapic.bin), which is all that a
# -nographic -kernel boot reads; the recommends (GUI, OVMF, qemu-utils,
# block modules) are not needed.
# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (only recommended
# by clang, so --no-install-recommends would leave the fuzzers unbuildable).
# bpftool: the tests' oracle for instruction counts after load.
# aarch64: musl for arm64 (musl-dev:arm64 brings aarch64-linux-musl-gcc, which
# drives the system gcc with arm64's musl; gcc-aarch64-linux-gnu is that
# cross gcc; linux-libc-dev-arm64-cross has the kernel's arm64 uAPI headers,
# which gcc only recommends), and QEMU's arm machines. arm64 packages need
# dpkg --add-architecture arm64, done below.
# mandoc: the man pages' lint; busybox-static: the init script's shell in
# the VM image (/bin/busybox; the arm64 one is fetched by
# scripts/fetch-busybox.sh, as it cannot be installed beside it);
# systemd: systemd-analyze verify for the unit, which runs man(1) for its
# Documentation= pages (man-db); strace and iproute2's ip: make bench packs
# them (with their shared libraries) into its VM image, for the breakdown
# by phase and the iproute2 comparison.
packages=(musl-tools clang llvm qemu-system-x86 cpio iproute2 libbpf-dev gcc make libc6-dev
	libclang-rt-14-dev bpftool musl-dev:arm64 gcc-aarch64-linux-gnu linux-libc-dev-arm64-cross
	qemu-system-arm
	mandoc busybox-static systemd man-db strace)

arm64_uapi=/usr/aarch64-linux-gnu/include/asm
missing=()
for c in "${commands[@]}"; do
	command -v "$c" >/dev/null || missing+=("$c")
done
[[ -e /usr/include/bpf/bpf_helpers.h ]] || missing+=(bpf_helpers.h)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null ||
	missing+=(libFuzzer)
[[ -d $arm64_uapi ]] || missing+=(arm64-uapi-headers)
# Debian's dynamic busybox would pass `command -v`; the VM image needs the static one.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
	missing+=(busybox-static)
if ((${#missing[@]} == 0)); then
	echo "deps: ok"
	exit 0
fi
echo "deps: installing (missing: ${missing[*]})"

if ((EUID == 0)); then
	as_root=()
elif command -v sudo >/dev/null; then
	as_root=(sudo)
else
	echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
	exit 1
fi
command -v apt-get >/dev/null || {
	echo "deps: no apt-get; install by hand: ${packages[*]}" >&2
	exit 1
}

# apt's own output only matters when it fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! dpkg --print-foreign-architectures | grep -qx arm64 &&
   ! "${as_root[@]}" dpkg --add-architecture arm64 >"$log" 2>&1; then
	echo "deps: dpkg --add-architecture arm64 failed: $(tail -n1 "$log")" >&2
	exit 1
fi
if ! "${as_root[@]}" apt-get update >"$log" 2>&1 ||
   ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1; then
	echo "deps: apt-get failed: $(grep -E '^(E|Err):' "$log" | head -n1 || tail -n1 "$log")" >&2
	exit 1
fi

for c in "${commands[@]}"; do
	command -v "$c" >/dev/null || { echo "deps: $c still missing after install" >&2; exit 1; }
done
[[ -d $arm64_uapi ]] || { echo "deps: $arm64_uapi still missing after install" >&2; exit 1; }
