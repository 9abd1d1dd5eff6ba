#!/bin/bash
# The VM suites: boots build/tests/vm.cpio (yogurt as /init, /bin/vmtest as
# the init it hands over to) on Debian's netkit kernel (6.12) and on one
# without netkit (6.1), and passes on the KTAP lines vmtest prints.
# Usage: tests/vm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/tests

failed=0

# boot SERIES NAME [KERNEL ARGUMENTS...]: one VM run, its lines on stdout.
boot() {
	local series=$1 name=$2 kernel status=0 log=build/tests/vm-$2.log
	shift 2
	if ! kernel=$(scripts/fetch-kernel.sh "$series" 2>build/tests/fetch-kernel.log); then
		echo "not ok - $name: fetch the $series kernel"
		sed 's/^/# /' build/tests/fetch-kernel.log
		failed=1
		return
	fi
	echo "# $name: $(basename "$kernel"), console in $log"
	VM_TIMEOUT=${VM_TIMEOUT:-600} scripts/run-vm.sh "$kernel" build/tests/vm.cpio yogurt.init=/bin/vmtest "$@" \
		>"$log" 2>&1 || status=$?
	tr -d '\r' <"$log" | grep -E '^(not )?ok [0-9]+ |^# ' || true
	if ! grep -q '^vmtest: done' "$log"; then
		echo "not ok - $name: the suite ran to the end (qemu exit $status)"
		tail -n 20 "$log" | sed 's/^/# /'
		failed=1
	fi
	grep -q '^not ok' "$log" && failed=1
	return 0
}

boot 6.12 vm
boot 6.1 vm-6.1 vmtest.no_netkit=1
# What PID 1 said on the console before handing over, on the kernel without netkit.
if grep -q '^yogurt: this kernel has no netkit devices: .*CONFIG_NETKIT' build/tests/vm-vm-6.1.log; then
	echo "ok - vm-6.1: yogurt as PID 1 said in one line that the kernel has no netkit, and booted on"
else
	echo "not ok - vm-6.1: yogurt as PID 1 said in one line that the kernel has no netkit, and booted on"
	failed=1
fi
exit "$failed"
