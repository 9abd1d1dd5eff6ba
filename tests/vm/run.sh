#!/bin/bash
# The VM suite: boots build/tests/vm.cpio (yogurt as /init, /bin/vmtest as
# the init it hands over to) on Debian's netkit kernel and passes on the
# KTAP lines vmtest prints. Usage: tests/vm/run.sh [KERNEL_SERIES]
set -euo pipefail
cd "$(dirname "$0")/../.."

mkdir -p build/tests
log=build/tests/vm.log
if ! kernel=$(scripts/fetch-kernel.sh "${1:-6.12}" 2>build/tests/fetch-kernel.log); then
	echo "not ok - vm: fetch the ${1:-6.12} kernel"
	sed 's/^/# /' build/tests/fetch-kernel.log
	exit 1
fi
echo "# vm: $(basename "$kernel"), console in $log"
status=0
VM_TIMEOUT=${VM_TIMEOUT:-600} scripts/run-vm.sh "$kernel" build/tests/vm.cpio yogurt.init=/bin/vmtest >"$log" 2>&1 || status=$?
tr -d '\r' <"$log" | grep -E '^(not )?ok [0-9]+ |^# ' || true
if ! grep -q '^vmtest: done' "$log"; then
	echo "not ok - vm: the suite ran to the end (qemu exit $status)"
	tail -n 20 "$log" | sed 's/^/# /'
	exit 1
fi
! grep -q '^not ok' "$log"
