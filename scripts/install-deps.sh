#!/bin/bash
# Installs the build and test-bed tools (Debian/Ubuntu) unless all are already there.
# Usage: scripts/install-deps.sh        prints "deps: ok" or "deps: installing ..."
set -euo pipefail

commands=(musl-gcc clang llc qemu-system-x86_64 cpio ip gcc make bpftool)
# qemu-system-x86 hard-depends on seabios (bios-256k.bin), ipxe-qemu and
# qemu-system-data (linuxboot_dma.bin, kvmvapic.bin), which is all that a
# -nographic -kernel boot reads; the recommends (GUI, OVMF, qemu-utils,
# block modules) are not needed.
# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (only recommended
# by clang, so --no-install-recommends would leave the fuzzers unbuildable).
# bpftool: the tests' oracle for instruction counts after load.
packages=(musl-tools clang llvm qemu-system-x86 cpio iproute2 libbpf-dev gcc make libc6-dev
	libclang-rt-14-dev bpftool)

missing=()
for c in "${commands[@]}"; do
	command -v "$c" >/dev/null || missing+=("$c")
done
[[ -e /usr/include/bpf/bpf_helpers.h ]] || missing+=(bpf_helpers.h)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null ||
	missing+=(libFuzzer)
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
if ! "${as_root[@]}" apt-get update >"$log" 2>&1 ||
   ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1; then
	echo "deps: apt-get failed: $(grep -E '^(E|Err):' "$log" | head -n1 || tail -n1 "$log")" >&2
	exit 1
fi

for c in "${commands[@]}"; do
	command -v "$c" >/dev/null || { echo "deps: $c still missing after install" >&2; exit 1; }
done
