#!/bin/bash
# The main job (make run): boots build/initramfs.cpio on Debian's netkit
# kernel under QEMU with yogurt as /init in call mode, shows the transcript,
# and exits with the call's outcome.
# Usage: scripts/run.sh [KERNEL_SERIES]   (default 6.12)
set -euo pipefail
cd "$(dirname "$0")/.."

kernel=$(scripts/fetch-kernel.sh "${1:-6.12}")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "run: booting $(basename "$kernel") with build/initramfs.cpio (yogurt is /init)"
scripts/run-vm.sh "$kernel" build/initramfs.cpio yogurt.mode=call | tee "$log"
if grep -q '^yogurt: call passed' "$log"; then
	echo "run: the call went through"
	exit 0
fi
echo "run: the call failed (see the transcript above)" >&2
exit 1
