#!/bin/bash
# The VM suites: boots build/ARCH/tests/vm.cpio (yogurt as /init, /bin/vmtest as
# the init it hands over to) on Debian's netkit kernel (6.12) — the main
# suite, then phones given on the kernel command line, good and broken, then
# modules packed into the image — and on one without netkit (6.1), and
# passes on the KTAP lines vmtest prints; and `make selftest`'s boot on both
# (yogurt.mode=selftest), its KTAP parsed.
# Usage: tests/vm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export ARCH=${ARCH:-$(uname -m)}
tests=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)/tests
mkdir -p "$tests"

failed=0

# boot SERIES NAME [KERNEL ARGUMENTS...]: one VM run of $image (default
# vm.cpio), its lines on stdout.
boot() {
	local series=$1 name=$2 kernel status=0 log=$tests/vm-$2.log
	shift 2
	if ! kernel=$(scripts/fetch-kernel.sh "$series" 2>"$tests/fetch-kernel.log"); then
		echo "not ok - $name: fetch the $series kernel"
		sed 's/^/# /' "$tests/fetch-kernel.log"
		failed=1
		return
	fi
	echo "# $name: $(basename "$kernel"), console in $log"
	VM_TIMEOUT=${VM_TIMEOUT:-600} scripts/run-vm.sh "$kernel" "${image:-$tests/vm.cpio}" yogurt.init=/bin/vmtest "$@" \
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

# console_says NAME PATTERN WHAT: a KTAP line for whether the console log of
# boot NAME holds a line matching PATTERN (grep -E).
console_says() {
	if tr -d '\r' <"$tests/vm-$1.log" | grep -qE "$2"; then
		echo "ok - $1: $3"
	else
		echo "not ok - $1: $3"
		failed=1
	fi
}

# ktap_parse NAME FILE: whether FILE, one selftest's output, is well-formed
# KTAP version 1: the version line, the plan 1..N, then N results numbered in
# order ("ok N NAME", "not ok N NAME", "ok N NAME # SKIP REASON") among "# "
# diagnostics, and nothing else.
ktap_parse() {
	local name=$1 file=$2 line number=0 plan=-1 bad="" lines=0
	while IFS= read -r line; do
		lines=$((lines + 1))
		if ((lines == 1)); then
			[[ $line == "KTAP version 1" ]] || { bad="line 1 is not \"KTAP version 1\": $line"; break; }
		elif ((plan < 0)); then
			[[ $line =~ ^1\.\.([0-9]+)$ ]] || { bad="line 2 is not the plan: $line"; break; }
			plan=${BASH_REMATCH[1]}
		elif [[ $line =~ ^(not\ )?ok\ ([0-9]+)\ [A-Za-z0-9_]+(\ \#\ SKIP\ .+)?$ ]]; then
			number=$((number + 1))
			((BASH_REMATCH[2] == number)) || { bad="result $number is numbered ${BASH_REMATCH[2]}"; break; }
		elif [[ $line != "# "?* ]]; then
			bad="line $lines is not KTAP: $line"
			break
		fi
	done <"$file"
	[[ -n $bad || $plan == "$number" ]] || bad="the plan says $plan checks, $number results came"
	if [[ -z $bad ]]; then
		echo "ok - $name: the KTAP is well formed, plan 1..$plan and $number results in order"
	else
		echo "not ok - $name: the KTAP is well formed"
		echo "# $bad"
		failed=1
	fi
}

# selftest_boot SERIES: make selftest's boot (yogurt.mode=selftest as PID 1)
# of Debian's SERIES; its KTAP (console noise left out) in selftest-SERIES.ktap.
# Sets selftest_status.
selftest_boot() {
	local log=$tests/selftest-$1.log
	selftest_status=0
	echo "# selftest $1: yogurt.mode=selftest, console in $log"
	VM_TIMEOUT=${VM_TIMEOUT:-600} scripts/selftest.sh "$1" >"$log" 2>&1 || selftest_status=$?
	sed -n '/^KTAP version 1$/,/^yogurt: selftest exit/p' "$log" | grep -v '^yogurt: selftest exit' |
		grep -vE '^\[ *[0-9]+\.[0-9]+\] ' >"$tests/selftest-$1.ktap" || true
}

boot 6.12 vm
# The runs of `yogurt selftest` as a process in that boot (selftest_tests.c).
for run in process seccomp; do
	sed -n "s/^selftest-$run| //p" "$tests/vm-vm.log" | tr -d '\r' >"$tests/selftest-$run.ktap"
	ktap_parse "selftest as a process ($run)" "$tests/selftest-$run.ktap"
done
# As PID 1 on 6.12: each check a result here; exit 0.
selftest_boot 6.12
grep -E '^(not )?ok [0-9]+ ' "$tests/selftest-6.12.ktap" | sed -E 's/^((not )?ok) [0-9]+ /\1 - selftest on 6.12: /'
grep -q '^not ok' "$tests/selftest-6.12.ktap" && failed=1
if ((selftest_status == 0)); then
	echo "ok - selftest on 6.12: make selftest's exit status 0"
else
	echo "not ok - selftest on 6.12: make selftest's exit status 0 (got $selftest_status)"
	tail -n 5 "$tests/selftest-6.12.log" | sed 's/^/# /'
	failed=1
fi
ktap_parse "selftest on 6.12" "$tests/selftest-6.12.ktap"
# Phones from the kernel command line: two in a file of the image, one inline.
boot 6.12 vm-config-two vmtest.config=two yogurt.conf=/etc/yogurt-two.conf \
	yogurt.phone=netns=yogurt-i1,host=ygi1-host,device=ygi1-cont,address=10.52.0.1/24,address=fd52::1/64+netns=yogurt-i2,host=ygi2-host,device=ygi2-cont,address=10.52.0.2/24,address=fd52::2/64
# A broken phone on the kernel command line: one line from PID 1, nothing built, booted on.
boot 6.12 vm-config-broken vmtest.config=broken \
	yogurt.phone=netns=yogurt-x1,host=ygx1-host,device=ygx1-cont,address=10.42.0.300/24+netns=yogurt-x2,host=ygx2-host,device=ygx2-cont,address=10.42.0.2/24
console_says vm-config-broken '^yogurt: kernel command line: yogurt\.phone: .*"10\.42\.0\.300/24"' \
	"yogurt as PID 1 named the broken yogurt.phone= address on the console"
if [[ $(tr -d '\r' <"$tests/vm-vm-config-broken.log" | grep -c '^yogurt: ') == 1 ]]; then
	echo "ok - vm-config-broken: and said nothing else: one line"
else
	echo "not ok - vm-config-broken: and said nothing else: one line"
	tr -d '\r' <"$tests/vm-vm-config-broken.log" | grep '^yogurt: ' | sed 's/^/# /'
	failed=1
fi
# Modules: veth and bridge (which needs stp, which needs llc) packed from
# Debian's 6.12 package, and the 6.1 package's dummy in the same tree, which
# 6.12 must refuse in one line while PID 1 loads the rest and boots on.
if tree_612=$(scripts/fetch-kernel.sh --modules 6.12 2>"$tests/fetch-kernel.log") &&
	tree_61=$(scripts/fetch-kernel.sh --modules 6.1 2>>"$tests/fetch-kernel.log"); then
	modules=("$tree_612"/lib/modules/*)
	tree=$tests/modules-tree/${modules[0]##*/}
	rm -rf "$tests/modules-tree" && mkdir -p "$tree"
	for module in drivers/net/veth net/bridge/bridge net/802/stp net/llc/llc; do
		mkdir -p "$tree/kernel/${module%/*}"
		ln -s "${modules[0]}/kernel/$module.ko.xz" "$tree/kernel/$module.ko.xz"
	done
	dummy=("$tree_61"/lib/modules/*/kernel/drivers/net/dummy.ko*)
	ln -s "${dummy[0]}" "$tree/kernel/drivers/net/${dummy[0]##*/}"
	if scripts/pack-modules.sh "$tree" "$tests/modules.cpio" veth bridge dummy >"$tests/pack.log" 2>&1; then
		cat "$tests/vm.cpio" "$tests/modules.cpio" >"$tests/vm-modules.cpio"
		image=$tests/vm-modules.cpio boot 6.12 vm-modules vmtest.modules=1
		if [[ $(tr -d '\r' <"$tests/vm-vm-modules.log" | grep -o '^yogurt: module [^ ]*' |
			sed 's|.*/||' | tr '\n' ' ') == "veth.ko llc.ko stp.ko bridge.ko dummy.ko " ]]; then
			echo "ok - vm-modules: PID 1 said which modules it loaded, in modules.dep's order: veth, llc, stp, bridge, dummy"
		else
			echo "not ok - vm-modules: PID 1 said which modules it loaded, in modules.dep's order: veth, llc, stp, bridge, dummy"
			tr -d '\r' <"$tests/vm-vm-modules.log" | grep '^yogurt: module' | sed 's/^/# /'
			failed=1
		fi
		console_says vm-modules '^yogurt: module kernel/drivers/net/dummy.ko not loaded: Exec format error: not an uncompressed module of this kernel' \
			"the 6.1 module refused in one line with the kernel's errno words and what to do"
		if [[ $(tr -d '\r' <"$tests/vm-vm-modules.log" | grep -c '^yogurt: .*not loaded') == 1 ]]; then
			echo "ok - vm-modules: and no other module failed"
		else
			echo "not ok - vm-modules: and no other module failed"
			failed=1
		fi
	else
		echo "not ok - vm-modules: pack veth, bridge and dummy"
		sed 's/^/# /' "$tests/pack.log"
		failed=1
	fi
else
	echo "not ok - vm-modules: fetch the 6.12 and 6.1 kernel packages"
	sed 's/^/# /' "$tests/fetch-kernel.log"
	failed=1
fi
boot 6.1 vm-6.1 vmtest.no_netkit=1
# As PID 1 on 6.1, which has no netkit: every check skipped, exit 4.
selftest_boot 6.1
results=$(grep -cE '^(not )?ok [0-9]+ ' "$tests/selftest-6.1.ktap" || true)
skipped=$(grep -cE '^ok [0-9]+ [A-Za-z0-9_]+ # SKIP no netkit$' "$tests/selftest-6.1.ktap" || true)
if ((selftest_status == 4 && results > 0 && skipped == results)); then
	echo "ok - selftest on 6.1: all $results checks skipped with \"no netkit\", exit 4"
else
	echo "not ok - selftest on 6.1: all checks skipped with \"no netkit\", exit 4"
	echo "# exit $selftest_status, $skipped of $results results skipped with \"no netkit\""
	failed=1
fi
ktap_parse "selftest on 6.1" "$tests/selftest-6.1.ktap"
# What PID 1 said on the console before handing over, on the kernel without netkit.
console_says vm-6.1 '^yogurt: this kernel has no netkit devices: .*CONFIG_NETKIT' \
	"yogurt as PID 1 said in one line that the kernel has no netkit, and booted on"
exit "$failed"
