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
# A relative KERNEL or MODULES is the caller's, from where it stood.
[[ -z ${KERNEL:-} ]] || KERNEL=$(realpath -m -- "$KERNEL")
[[ -z ${MODULES:-} ]] || MODULES=$(realpath -m -- "$MODULES")
cd "$(dirname "$0")/.."
export ARCH=${ARCH:-$(uname -m)}
build=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)
initramfs=$build/initramfs.cpio
if [[ -n ${MODULES:-} ]]; then
	# shellcheck disable=SC2086 # MODULES_LOAD is a list of names
	scripts/pack-modules.sh "$MODULES" "$build/modules.cpio" ${MODULES_LOAD:-} || exit 2
	cat "$initramfs" "$build/modules.cpio" >"$build/initramfs-modules.cpio"
	initramfs=$build/initramfs-modules.cpio
fi

if [[ -n ${KERNEL:-} ]]; then
	[[ -r $KERNEL ]] || { echo "run: cannot read KERNEL=$KERNEL" >&2; exit 2; }
	kernel=$KERNEL
else
	kernel=$(scripts/fetch-kernel.sh "${1:-6.12}")
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

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
elif grep -qE 'Unable to mount root fs|No working init found|Kernel panic' "$log"; then
	echo "run: the kernel did not start yogurt from the initramfs: is it built with" \
		"CONFIG_BLK_DEV_INITRD and CONFIG_DEVTMPFS?" >&2
elif ! grep -q . "$log"; then
	echo "run: the kernel printed nothing on the serial console (exit $status): is it one for" \
		"ARCH=$ARCH, built with CONFIG_SERIAL_8250_CONSOLE (x86_64) or" \
		"CONFIG_SERIAL_AMBA_PL011_CONSOLE (aarch64)?" >&2
else
	echo "run: the kernel booted but yogurt never spoke (exit $status$( ((status == 124)) &&
		echo ": timed out")): is it built with CONFIG_BLK_DEV_INITRD, CONFIG_DEVTMPFS" \
		"and CONFIG_NET_NS?" >&2
fi
exit 1
