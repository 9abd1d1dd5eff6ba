#!/bin/bash
# The main job (make run): boots build/ARCH/initramfs.cpio on Debian's netkit
# kernel under QEMU with yogurt as /init in call mode, shows the transcript,
# and exits with the call's outcome.
# Usage: [ARCH=aarch64] [KERNEL=IMAGE] [MODULES=DIR [MODULES_LOAD="NAME..."]]
#        scripts/run.sh [KERNEL_SERIES]
#   (defaults: this machine's architecture, Debian's 6.12 kernel; with KERNEL,
#   that kernel image — a bzImage, or an Image on aarch64 — and no download;
#   with MODULES, the modules of MODULES_LOAD, default netkit and veth, and
#   what they depend on, from that module tree, loaded by PID 1)
set -euo pipefail
source "$(dirname "$0")/boot-common.sh"
boot_prepare run "${1:-6.12}"

echo "run: booting $(basename "$kernel") with $initramfs (yogurt is /init)"
status=0
scripts/run-vm.sh "$kernel" "$initramfs" yogurt.mode=call | tee "$log" || status=$?
if grep -q '^yogurt: call passed' "$log"; then
	echo "run: the call went through"
	exit 0
fi
# Why not, in one line: what the console shows tells how far the boot came.
if grep -q '^yogurt: ' "$log"; then
	echo "run: the call failed (see the transcript above)" >&2
else
	boot_diagnosis run "$log" "$status"
fi
exit 1
