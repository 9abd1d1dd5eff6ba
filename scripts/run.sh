#!/bin/bash
# The main job (make run): boots build/ARCH/initramfs.cpio on Debian's netkit
# kernel under QEMU with yogurt as /init in call mode, shows the transcript,
# and exits with the call's outcome.
# Usage: [ARCH=aarch64] scripts/run.sh [KERNEL_SERIES]   (default x86_64, 6.12)
set -euo pipefail
cd "$(dirname "$0")/.."
export ARCH=${ARCH:-$(uname -m)}
initramfs=$(make -s --no-print-directory print-BUILD)/initramfs.cpio

kernel=$(scripts/fetch-kernel.sh "${1:-6.12}")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "run: booting $(basename "$kernel") with $initramfs (yogurt is /init)"
scripts/run-vm.sh "$kernel" "$initramfs" yogurt.mode=call | tee "$log"
if grep -q '^yogurt: call passed' "$log"; then
	echo "run: the call went through"
	exit 0
fi
echo "run: the call failed (see the transcript above)" >&2
exit 1
