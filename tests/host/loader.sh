#!/bin/bash
# The loader suite (host): compiles tests/host/loader/*.bpf.c the way users
# compile theirs (clang -O2 -g -target bpf, libbpf's bpf_helpers.h), runs
# test_loader on them under ASan/UBSan, then checks the instruction count the
# kernel keeps after yogurt's load against Debian's bpftool (prog loadall)
# for SEC("tc") variants of the same sources.
#
# Prints KTAP-style "ok"/"not ok" lines and "# " comments; exits 1 if anything
# failed. Expects build/ARCH/uapi and wire.bpf.o (make), root.
set -uo pipefail
cd "$(dirname "$0")/../.."

ARCH=$(uname -m)
export ARCH
BUILD=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)
OUT=$BUILD/tests/loader
# The flags and the loader's sources are the Makefile's: one set.
read -ra HOST_CFLAGS <<<"$(make -s --no-print-directory ARCH="$ARCH" print-HOST_CFLAGS)"
read -ra BPF_CFLAGS <<<"$(make -s --no-print-directory ARCH="$ARCH" print-BPF_CFLAGS)"
read -ra FUZZ_CFLAGS <<<"$(make -s --no-print-directory ARCH="$ARCH" print-FUZZ_CFLAGS)"
read -ra SOURCES <<<"$(make -s --no-print-directory ARCH="$ARCH" print-LOADER_SOURCES)"
read -ra KTAP_SOURCES <<<"$(make -s --no-print-directory ARCH="$ARCH" print-TEST_KTAP_SOURCES)"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$OUT/tc"
failures=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; failures=$((failures + 1)); }

built=1
for name in maps globals calls refused; do
	clang "${BPF_CFLAGS[@]}" -c "tests/host/loader/$name.bpf.c" -o "$OUT/$name.o" \
		2>"$OUT/build-$name.log" || built=0
	clang "${BPF_CFLAGS[@]}" -DPROGRAM_SECTION='"tc"' -DPRIMARY_SECTION='"tc"' -DPEER_SECTION='"tc"' \
		-c "tests/host/loader/$name.bpf.c" -o "$OUT/tc/$name.o" 2>>"$OUT/build-$name.log" || built=0
done
for feature in CORE KFUNC KCONFIG PINNING MAP_OF_MAPS; do
	clang "${BPF_CFLAGS[@]}" -DFEATURE_$feature -c tests/host/loader/unsupported.bpf.c \
		-o "$OUT/unsupported-$feature.o" 2>>"$OUT/build-unsupported.log" || built=0
done
cp "$BUILD/wire.bpf.o" "$OUT/wire.o" || built=0
gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_loader" tests/host/test_loader.c "${SOURCES[@]}" \
	"${KTAP_SOURCES[@]}" 2>"$OUT/build-test_loader.log" || built=0
if ((built)); then
	pass "loader: build the test objects and test_loader"
else
	fail "loader: build the test objects and test_loader"
	cat "$OUT"/build-*.log | grep -m3 error | sed 's/^/# /'
	exit 1
fi

"$OUT/test_loader" "$OUT" 2>"$OUT/test_loader.stderr"
status=$?
if ((status != 0 && status != 1)) ||
	grep -q 'runtime error\|AddressSanitizer' "$OUT/test_loader.stderr"; then
	fail "loader: test_loader ran to the end without a sanitizer report (status $status)"
	head -n 20 "$OUT/test_loader.stderr" | sed 's/^/# /'
fi
((status == 0)) || failures=$((failures + 1))

# The BTF fuzzer: the input is raw .BTF and .BTF.ext, fed to the BTF parser,
# then spliced into maps.o as its sections; a bounded run under ASan/UBSan,
# from a seed made of maps.o's own sections and the inputs that once crashed
# it (tests/fuzz/corpus/btf).
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
corpus=$OUT/fuzz-btf-corpus
mkdir -p "$corpus"
if clang "${FUZZ_CFLAGS[@]}" -o "$OUT/fuzz_btf" tests/fuzz/fuzz_btf.c "${SOURCES[@]}" \
	2>"$OUT/build-fuzz_btf.log" &&
	FUZZ_BTF_TEMPLATE=$OUT/maps.o "$OUT/fuzz_btf" -write_seed="$corpus" 2>/dev/null; then
	if FUZZ_BTF_TEMPLATE=$OUT/maps.o "$OUT/fuzz_btf" -max_total_time="$FUZZ_SECONDS" -max_len=16384 \
		-artifact_prefix="$OUT/fuzz-btf-" "$corpus" tests/fuzz/corpus/btf >"$OUT/fuzz_btf.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$OUT/fuzz_btf.log" || echo 'ran')
		pass "loader: fuzz_btf for ${FUZZ_SECONDS} s: $runs"
	else
		fail "loader: fuzz_btf for ${FUZZ_SECONDS} s (crash input in $OUT/fuzz-btf-*)"
		grep -m5 -E 'ERROR|runtime error|SUMMARY' "$OUT/fuzz_btf.log" | sed 's/^/# /'
	fi
else
	fail "loader: build fuzz_btf and write its seed"
	grep -m3 error "$OUT/build-fuzz_btf.log" | sed 's/^/# /'
fi

# The oracle: bpftool (libbpf) and yogurt load the same SEC("tc") objects;
# the verifier must keep the same number of instructions of each program.
if ! command -v bpftool >/dev/null; then
	fail "loader: bpftool is installed (apt-get install bpftool)"
else
	pins=/sys/fs/bpf/yogurt-oracle-$$
	# (Not the wire: its classic "maps" section is refused by libbpf >= 1.0.)
	for name in maps globals calls; do
		rm -rf "$pins"
		mine=$("$OUT/test_loader" xlated "$OUT/tc/$name.o" 2>&1 | sort)
		theirs=$(bpftool prog loadall "$OUT/tc/$name.o" "$pins" 2>&1 &&
			for pin in "$pins"/*; do
				bpftool prog show pinned "$pin" -j |
					sed -n 's/.*"name":"\([^"]*\)".*"bytes_xlated":\([0-9]*\).*/\1 \2/p'
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
