#!/bin/bash
# make bench: prints figures (size, and the time `yogurt up` takes inside the
# VM as the binary measures it with CLOCK_MONOTONIC). Not a pass/fail test.
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
done

# The rest on this machine's architecture.
export ARCH=$(uname -m)
BUILD=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)
printf 'bench: embedded wire object             %6d bytes\n' "$(stat -c %s "$BUILD/wire.embedded.o")"

# The loader on this host (its kernel loads programs; netkit is not needed).
mkdir -p "$BUILD/tests"
read -ra loader_sources <<<"$(make -s --no-print-directory ARCH="$ARCH" print-LOADER_SOURCES)"
gcc -std=gnu11 -O2 -I. -idirafter "$BUILD/uapi" -o "$BUILD/tests/bench_loader" tests/host/test_loader.c \
	"${loader_sources[@]}" tests/ktap.c
printf 'bench: wire object, parse and load (host) %s\n' "$("$BUILD/tests/bench_loader" bench "$BUILD/wire.embedded.o")"

kernel=$(scripts/fetch-kernel.sh 6.12)

# Warm: down + up again in the same VM, as a process. Under QEMU's software
# emulation the first pass through any code (the kernel's or ours) pays for
# its translation, so the cold figure above is mostly the emulator's. Each
# netkit attach also waits for an RCU grace period on 6.12 (four per phone):
# the second run shows the same with expedited grace periods.
# The bench image is the test image plus veth.ko from the same kernel package,
# for the throughput comparison.
modules=$(scripts/fetch-kernel.sh --modules 6.12)
veth=$(find "$modules/lib/modules" -name 'veth.ko*' | head -n 1)
{ sed "s|@BUILD@|$BUILD|g" tests/vm/initramfs.list; echo "dir /lib 0755"
	echo "file /lib/veth.ko.xz 0644 $veth"; } | "$BUILD/mkcpio" "$BUILD/tests/bench.cpio" -
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
