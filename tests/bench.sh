#!/bin/bash
# make bench: prints figures (size, the time `yogurt up` takes inside the
# VM as the binary measures it with CLOCK_MONOTONIC, and make selftest's boot
# to power-off with its number of checks). Not a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Sizes, and `up` as PID 1 at boot (cold: under software emulation the first
# pass through any code pays for its translation), on every architecture.
for arch in $(make -s --no-print-directory print-ARCHES); do
	stripped=$(stat -c %s "build/$arch/yogurt")
	printf 'bench: %-7s stripped size            %6d bytes (%d KiB; budget 96 KiB, aim 64 KiB on x86_64)\n' \
		"$arch" "$stripped" $(((stripped + 1023) / 1024))
	printf 'bench: %-7s initramfs.cpio size      %6d bytes\n' "$arch" \
		"$(stat -c %s "build/$arch/initramfs.cpio")"
	log=build/$arch/bench-vm.log
	ARCH=$arch scripts/run-vm.sh "$(ARCH=$arch scripts/fetch-kernel.sh 6.12)" \
		"build/$arch/initramfs.cpio" yogurt.mode=call >"$log" 2>&1 || true
	boot_up=$(grep -m1 -o 'ready in [0-9.]* ms' "$log" | grep -o '[0-9.]*' || echo '?')
	printf 'bench: %-7s yogurt up at boot (PID 1, cold, TCG) %8s ms\n' "$arch" "$boot_up"
	grep -m2 -o 'ICMP echo .*reply in [0-9.]* ms' "$log" | sed "s/^/bench: $arch /" || true
	grep -q '^yogurt: call passed' "$log" || echo "bench: (the call in the VM did not pass: see $log)"
	# The same boot on a CPU without a random number generator: the gate's
	# secret waits for the kernel's CRNG to be seeded (and says so).
	log=build/$arch/bench-vm-no-rng.log
	no_rng_cpu=qemu64
	[[ $arch == aarch64 ]] && no_rng_cpu=cortex-a57
	VM_CPU=$no_rng_cpu ARCH=$arch scripts/run-vm.sh "$(ARCH=$arch scripts/fetch-kernel.sh 6.12)" \
		"build/$arch/initramfs.cpio" yogurt.mode=call >"$log" 2>&1 || true
	boot_up=$(grep -m1 -o 'ready in [0-9.]* ms' "$log" | grep -o '[0-9.]*' || echo '?')
	waited=$(grep -q "^up: waiting for the kernel's random numbers" "$log" && echo said || echo none)
	printf 'bench: %-7s yogurt up at boot, no CPU RNG (-cpu %s) %8s ms (the wait: %s)\n' "$arch" \
		"$no_rng_cpu" "$boot_up" "$waited"
	# make selftest's boot: from the kernel's start to its power-off by the
	# guest's clock (the kernel's timestamp on "reboot: Power down"), the
	# checks alone as the binary times them, and qemu's whole run.
	log=build/$arch/bench-selftest.log
	start=$(date +%s%N)
	ARCH=$arch scripts/selftest.sh 6.12 >"$log" 2>&1 || true
	wall=$((($(date +%s%N) - start) / 1000000))
	checks=$(grep -m1 -oE '^1\.\.[0-9]+' "$log" | cut -c4- || true)
	power_off=$(grep -m1 -oE '^\[ *[0-9]+\.[0-9]+\] reboot: Power down' "$log" | grep -oE '[0-9]+\.[0-9]+' || true)
	in_checks=$(grep -m1 -oE 'skipped in [0-9]+ ms' "$log" | grep -oE '[0-9]+' || true)
	printf 'bench: %-7s selftest on 6.12 (PID 1): %s checks, boot to power-off %s s, the checks %s ms, qemu %d.%03d s\n' \
		"$arch" "${checks:-?}" "${power_off:-?}" "${in_checks:-?}" $((wall / 1000)) $((wall % 1000))
	grep -q '^yogurt: selftest exit 0' "$log" || echo "bench: (the selftest did not pass: see $log)"
done

# The rest on this machine's architecture.
export ARCH=$(uname -m)
BUILD=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)
printf 'bench: embedded wire object             %6d bytes\n' "$(stat -c %s "$BUILD/wire.embedded.o")"

# The loader on this host (its kernel loads programs; netkit is not needed).
mkdir -p "$BUILD/tests"
read -ra loader_sources <<<"$(make -s --no-print-directory ARCH="$ARCH" print-LOADER_SOURCES)"
read -ra ktap_sources <<<"$(make -s --no-print-directory ARCH="$ARCH" print-TEST_KTAP_SOURCES)"
gcc -std=gnu11 -O2 -I. -idirafter "$BUILD/uapi" -o "$BUILD/tests/bench_loader" tests/host/test_loader.c \
	"${loader_sources[@]}" "${ktap_sources[@]}"
printf 'bench: wire object, parse and load (host) %s\n' "$("$BUILD/tests/bench_loader" bench "$BUILD/wire.embedded.o")"

kernel=$(scripts/fetch-kernel.sh 6.12)

# Warm: down + up again in the same VM, as a process. Under QEMU's software
# emulation the first pass through any code (the kernel's or ours) pays for
# its translation, so the cold figure above is mostly the emulator's. Each
# netkit attach also waits for an RCU grace period on 6.12 (four per phone):
# the second run shows the same with expedited grace periods.
# The bench image is the test image plus tests/vm/bench.list (ip and strace,
# with their shared libraries by ldd, at the paths they have here), and veth
# from the same kernel package, for the throughput comparison and iproute2's
# phones: pack-modules.sh packs it, PID 1 loads it.
libraries=$(ldd /usr/sbin/ip /usr/bin/strace | grep -o '/[^ ]*' | grep -v ':$' | sort -u)
{ sed "s|@BUILD@|$BUILD|g" tests/vm/initramfs.list; cat tests/vm/bench.list
	# Every directory on the way to each library (awk drops the repeats).
	for library in $libraries; do
		path=
		for part in $(dirname "$library" | tr / ' '); do
			path=$path/$part
			echo "dir $path 0755"
		done
	done
	for library in $libraries; do echo "file $library 0755 $library"; done
} | awk '!seen[$0]++' | "$BUILD/mkcpio" "$BUILD/tests/bench-programs.cpio" -
scripts/pack-modules.sh "$(scripts/fetch-kernel.sh --modules 6.12)" "$BUILD/tests/veth.cpio" veth >/dev/null
cat "$BUILD/tests/bench-programs.cpio" "$BUILD/tests/veth.cpio" >"$BUILD/tests/bench.cpio"
warm() {
	local log=$BUILD/bench-vm-warm.log times
	scripts/run-vm.sh "$kernel" "$BUILD/tests/bench.cpio" yogurt.init=/bin/vmtest vmtest.bench=5 "$@" >"$log" 2>&1 || true
	grep -E '^bench: (netkit|TCP|cannot|veth|kernel calls|records)' "$log" >"$BUILD/bench-figures.log" || true
	times=$(grep -o 'bench: round [0-9]*: up: .*ready in [0-9.]* ms' "$log" | grep -o '[0-9.]* ms$' | tr -d ' ms' | tr '\n' ' ')
	echo "${times:-?}"
}
printf 'bench: yogurt up, warm, 5 rounds (ms)   %s\n' "$(warm)"
printf 'bench:   same, rcupdate.rcu_expedited=1  %s\n' "$(warm rcupdate.rcu_expedited=1)"
sed 's/(\(wire_[a-z]*\))/(\1; the seed'"'"'s wire: ~15)/' "$BUILD/bench-figures.log"

# Many phones in one boot (tests/vm/bench_scale.c): up, up again, down and
# up right after down per phone at each count of BENCH_PHONES, yogurt run as
# a process; the kernel's floor (tests/vm/floor.c) for the same phones and
# the ratios; kernel memory per phone and yogurt's peak RSS; with normal and
# expedited RCU grace periods; then the default phone and 100 phones built
# by iproute2; and the breakdown of up and down by phase under strace at
# BENCH_TRACE_PHONES phones. A count yogurt refuses is printed as skipped,
# with yogurt's words.
phones=${BENCH_PHONES:-1 10 100 1000}
memory=${BENCH_VM_MEMORY:-2048}
printf 'bench: many phones: one boot, VM_MEMORY=%s MiB (BENCH_VM_MEMORY), counts %s (BENCH_PHONES)\n' \
	"$memory" "$phones"
log=$BUILD/bench-vm-scale.log
VM_MEMORY=$memory VM_TIMEOUT=${BENCH_VM_TIMEOUT:-3600} scripts/run-vm.sh "$kernel" "$BUILD/tests/bench.cpio" \
	yogurt.init=/bin/vmtest "vmtest.scale=${phones// /,}" "vmtest.trace=${BENCH_TRACE_PHONES:-10}" \
	>"$log" 2>&1 || echo "bench: (the boot of many phones did not end cleanly: see $log)"
tr -d '\r' <"$log" | grep -E '^bench: ' || echo "bench: (no figures from the boot of many phones: see $log)"
