#!/bin/bash
# The loader suite (host): compiles tests/host/loader/*.bpf.c the way users
# compile theirs (clang -O2 -g -target bpf, libbpf's bpf_helpers.h), runs
# test_loader on them under ASan/UBSan, then checks the instruction count the
# kernel keeps after yogurt's load against Debian's bpftool (prog loadall)
# for SEC("tc") variants of the same sources.
#
# Prints KTAP-style "ok"/"not ok" lines and "# " comments; exits 1 if anything
# failed. Expects build/uapi and build/wire.bpf.o (make build/yogurt), root.
set -uo pipefail
cd "$(dirname "$0")/../.."

OUT=build/tests/loader
HOST_CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-format-truncation
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -I. -idirafter build/uapi)
BPF_CFLAGS=(-target bpf -O2 -g -Wall -Wextra -Werror -idirafter build/uapi)
SOURCES=(bpf/elf.c bpf/btf.c bpf/object.c bpf/maps.c bpf/program.c bpf/load.c bpf/kernel.c bpf/memory.c
	format/format.c syscalls/syscalls.c)
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$OUT/tc"
failures=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; failures=$((failures + 1)); }

built=1
for name in maps globals calls refused; do
	clang "${BPF_CFLAGS[@]}" -c "tests/host/loader/$name.bpf.c" -o "$OUT/$name.o" 2>"$OUT/build-$name.log" || built=0
	clang "${BPF_CFLAGS[@]}" -DPROGRAM_SECTION='"tc"' -DPRIMARY_SECTION='"tc"' -DPEER_SECTION='"tc"' \
		-c "tests/host/loader/$name.bpf.c" -o "$OUT/tc/$name.o" 2>>"$OUT/build-$name.log" || built=0
done
cp build/wire.bpf.o "$OUT/wire.o" || built=0
gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_loader" tests/host/test_loader.c "${SOURCES[@]}" 2>"$OUT/build-test_loader.log" || built=0
if ((built)); then
	pass "loader: build the test objects and test_loader"
else
	fail "loader: build the test objects and test_loader"
	cat "$OUT"/build-*.log | grep -m3 error | sed 's/^/# /'
	exit 1
fi

"$OUT/test_loader" "$OUT" 2>"$OUT/test_loader.stderr"
status=$?
if ((status != 0 && status != 1)) || grep -q 'runtime error\|AddressSanitizer' "$OUT/test_loader.stderr"; then
	fail "loader: test_loader ran to the end without a sanitizer report (status $status)"
	head -n 20 "$OUT/test_loader.stderr" | sed 's/^/# /'
fi
((status == 0)) || failures=$((failures + 1))

# The oracle: bpftool (libbpf) and yogurt load the same SEC("tc") objects;
# the verifier must keep the same number of instructions of each program.
if ! command -v bpftool >/dev/null; then
	fail "loader: bpftool is installed (apt-get install bpftool)"
else
	pins=/sys/fs/bpf/yogurt-oracle-$$
	for name in maps globals calls; do
		rm -rf "$pins"
		mine=$("$OUT/test_loader" xlated "$OUT/tc/$name.o" 2>&1 | sort)
		theirs=$(bpftool prog loadall "$OUT/tc/$name.o" "$pins" 2>&1 &&
			for pin in "$pins"/*; do
				bpftool prog show pinned "$pin" -j | sed -n 's/.*"name":"\([^"]*\)".*"bytes_xlated":\([0-9]*\).*/\1 \2/p'
			done | awk '{ print $1, $2 / 8 }' | sort)
		rm -rf "$pins"
		if [[ -n $mine && $mine == "$theirs" ]]; then
			pass "loader: $name (tc): instructions after load match bpftool's: $(echo $mine)"
		else
			fail "loader: $name (tc): instructions after load match bpftool's"
			echo "# yogurt: $(echo $mine)"
			echo "# bpftool: $(echo $theirs | cut -c1-300)"
		fi
	done
fi
exit $((failures > 0))
