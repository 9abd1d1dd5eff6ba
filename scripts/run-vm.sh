#!/bin/bash
# Boots KERNEL with INITRAMFS in QEMU (TCG, no network) and streams the serial
# console to stdout.  Exits with qemu's status (0 once the guest powers off),
# 124 if VM_TIMEOUT (default 120) seconds pass first, 1 on a kernel panic.
# ARCH (environment; default: this machine's, uname -m) picks the machine:
# x86_64 (a PC, console ttyS0) or aarch64 (QEMU's virt board with its PL011, console ttyAMA0).
# VM_CPU (default max, which has a CPU random number generator) names another
# QEMU CPU model: qemu64 or cortex-a57 have none, as many boards have none.
# VM_MEMORY (default 256) is the guest's memory in MiB: make bench gives the
# boot of many phones more.
# Usage: scripts/run-vm.sh KERNEL INITRAMFS [APPEND...]
set -euo pipefail

if (($# < 2)); then
	echo "usage: run-vm.sh KERNEL INITRAMFS [KERNEL ARGS...]" >&2
	exit 2
fi
kernel=$1 initramfs=$2
shift 2
timeout=${VM_TIMEOUT:-120}
ARCH=${ARCH:-$(uname -m)}
case $ARCH in
x86_64) machine=(qemu-system-x86_64 -cpu "${VM_CPU:-max}") console=ttyS0 ;;
aarch64) machine=(qemu-system-aarch64 -M virt -cpu "${VM_CPU:-max}") console=ttyAMA0 ;;
*) echo "run-vm: no machine for ARCH=$ARCH (x86_64 or aarch64)" >&2; exit 2 ;;
esac
command -v "${machine[0]}" >/dev/null ||
	{ echo "run-vm: no ${machine[0]}: run scripts/install-deps.sh (or make deps)" >&2; exit 2; }
for f in "$kernel" "$initramfs"; do
	[[ -r $f ]] || { echo "run-vm: cannot read $f" >&2; exit 2; }
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# -smp 1: with more CPUs the kernel oopses on int3 while live-patching its
# code under TCG.  -nodefaults drops VGA (and so SeaBIOS's banner and screen
# escapes on the serial line) and the monitor; the console is the only output.
# stdin is /dev/null: the guest has no shell to type into, and qemu then never
# puts a terminal in raw mode (leaving it so when killed).
set +e
timeout -k 5 "$timeout" "${machine[@]}" \
	-accel tcg -smp 1 -m "${VM_MEMORY:-256}" -nodefaults \
	-display none -serial stdio -nic none -no-reboot \
	-kernel "$kernel" -initrd "$initramfs" \
	-append "console=$console panic=-1 quiet $*" </dev/null | tee "$log"
status=${PIPESTATUS[0]}
set -e

if ((status == 124 || status == 137)); then
	echo "run-vm: timed out after ${timeout}s" >&2
	exit 124
fi
# panic=-1 reboots, and -no-reboot turns that into a clean qemu exit, so a
# panic would look like a power-off without this check.
if ((status == 0)) && grep -q 'Kernel panic - not syncing' "$log"; then
	echo "run-vm: kernel panic" >&2
	exit 1
fi
exit "$status"
