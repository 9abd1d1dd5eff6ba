#!/bin/bash
# make selftest: boots a kernel with yogurt's initramfs in selftest mode
# (yogurt.mode=selftest: yogurt as /init runs `yogurt selftest`, prints its
# KTAP on the console and powers off), shows the KTAP, and exits with its
# verdict, kselftest's: 0 every check that ran passed, 1 one failed, 4 all
# were skipped (no netkit). A boot that never reached the selftest: one line
# saying how far it came, exit 1 (VM_TIMEOUT, default 120 s, against hangs).
# Usage: [ARCH=aarch64] [KERNEL=IMAGE] [MODULES=DIR [MODULES_LOAD="NAME..."]]
#        scripts/selftest.sh [KERNEL_SERIES]
#   (defaults and MODULES as scripts/run.sh's: Debian's 6.12; with KERNEL, no
#   download)
set -euo pipefail
source "$(dirname "$0")/boot-common.sh"
boot_prepare selftest "${1:-6.12}"

echo "selftest: booting $(basename "$kernel") with $initramfs (yogurt.mode=selftest)" >&2
status=0
scripts/run-vm.sh "$kernel" "$initramfs" yogurt.mode=selftest | tr -d '\r' | tee "$log" ||
	status=$?
# yogurt's last line carries the verdict.
verdict=$(sed -n 's/^yogurt: selftest exit \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [[ -n $verdict ]]; then
	exit "$verdict"
fi
if grep -q '^KTAP version 1' "$log"; then
	echo "selftest: the selftest started but did not finish (exit $status$( ((status == 124)) &&
		echo ": timed out"))" >&2
else
	boot_diagnosis selftest "$log" "$status"
fi
exit 1
