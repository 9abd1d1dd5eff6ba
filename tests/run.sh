#!/bin/bash
# All tests (make test): the host suites (this machine's architecture), then
# the VM suite on each architecture yogurt builds for (make test builds their
# images first). Each prints KTAP-style lines; this numbers them in one
# sequence and ends with the plain "N passed, N failed" line. Exit status 0
# only if nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."

number=0 passed=0 failed=0
report() {
	local line
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ ([0-9]+\ )?-?\ ?(.*)$ ]]; then
			number=$((number + 1))
			if [[ -n ${BASH_REMATCH[1]} ]]; then
				failed=$((failed + 1))
				echo "not ok $number - $1: ${BASH_REMATCH[3]}"
			else
				passed=$((passed + 1))
				echo "ok $number - $1: ${BASH_REMATCH[3]}"
			fi
		elif [[ $line == \#* ]]; then
			echo "$line"
		fi
	done
}

echo "KTAP version 1"
report host < <(tests/host/run.sh 2>&1)
report loader < <(tests/host/loader.sh 2>&1)
for arch in $(make -s --no-print-directory print-ARCHES); do
	report "vm $arch" < <(ARCH=$arch tests/vm/run.sh 2>&1)
done
echo "$passed passed, $failed failed"
((failed == 0 && number > 0))
