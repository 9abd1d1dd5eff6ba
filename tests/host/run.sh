#!/bin/bash
# The host suite: builds the host tests and fuzzers into build/ARCH/tests/ (ARCH:
# this machine's), runs
# test_nl, test_bpf, test_format, test_config, each fuzzer for FUZZ_SECONDS
# (default 30) seconds, and checks what build/ARCH/yogurt does on this host (BPF,
# but no netkit); the man pages (mandoc lint, the command list against
# `yogurt help`), make install, the systemd unit and the init scripts.
#
# Prints only KTAP-style "ok"/"not ok" lines and "# " comments; exits 0 if
# all is well, 1 otherwise. Expects `make` to have been run (build/ARCH/yogurt,
# wire.embedded.o, uapi) and root (bpf(2), namespaces).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

# This machine's architecture: the host tests run here.
ARCH=$(uname -m)
export ARCH
BUILD=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)
OUT=$BUILD/tests
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# The flags and the loader's sources are the Makefile's: one set.
read -ra HOST_CFLAGS <<<"$(make -s --no-print-directory ARCH="$ARCH" print-HOST_CFLAGS)"
read -ra FUZZ_CFLAGS <<<"$(make -s --no-print-directory ARCH="$ARCH" print-FUZZ_CFLAGS)"
read -ra BPF_CFLAGS <<<"$(make -s --no-print-directory ARCH="$ARCH" print-BPF_CFLAGS)"
read -ra LOADER_SOURCES <<<"$(make -s --no-print-directory ARCH="$ARCH" print-LOADER_SOURCES)"
read -ra KTAP_SOURCES <<<"$(make -s --no-print-directory ARCH="$ARCH" print-TEST_KTAP_SOURCES)"
# UBSan only prints by default; a finding must fail the run.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

mkdir -p "$OUT"
# test_nl and the yogurt checks use fixed names: one suite at a time on
# this machine, whichever checkout it runs from.
exec 9>/run/lock/yogurt-host-suite.lock
flock -w 900 9 || echo "# could not take /run/lock/yogurt-host-suite.lock; running anyway"

failures=0

pass() {
	echo "ok - $1"
}

fail() {
	echo "not ok - $1"
	failures=$((failures + 1))
}

# Prints file $1 as comments, at most $2 lines.
comment_lines() {
	head -n "${2:-20}" "$1" | sed 's/^/# /'
}

# build NAME COMMAND...: a failed build is reported with the compiler's first
# error line; its whole output stays in $OUT/build-NAME.log.
build() {
	local name=$1 log="$OUT/build-$1.log"
	shift
	if "$@" >"$log" 2>&1; then
		pass "build $name"
		return 0
	fi
	fail "build $name"
	{ grep -m1 -E 'error|undefined reference' "$log" || head -n 1 "$log"; } | sed 's/^/# /'
	return 1
}

# run_test NAME COMMAND...: passes the program's KTAP lines on and turns its
# other output into comments. Exit 1 with "not ok" lines is a test failure
# already reported; anything else non-zero, or a sanitizer report on
# stderr, is a crash.
run_test() {
	local name=$1 output="$OUT/$1.stdout" errors="$OUT/$1.stderr" status=0 line
	shift
	"$@" >"$output" 2>"$errors" || status=$?
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "* | "#"*) echo "$line" ;;
		"KTAP version"*) ;;
		*) echo "# $name: $line" ;;
		esac
	done <"$output"
	if { ((status == 0)) || { ((status == 1)) && grep -q '^not ok' "$output"; }; } &&
		! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$errors"; then
		pass "$name ran to the end, no sanitizer report (exit $status)"
	else
		fail "$name ran to the end, no sanitizer report (exit $status)"
		comment_lines "$errors" 25
	fi
}

# run_fuzzer NAME [EXTRA OPTIONS...]: fuzzes a copy of tests/fuzz/corpus/NAME
# (the repository's corpus never grows), or of SEEDS (a directory) as the run
# LABEL. Crash reproducers are kept in $OUT/fuzz-LABEL/crashes/ across runs.
run_fuzzer() {
	local name=$1 label=${LABEL:-$1} seeds=${SEEDS:-tests/fuzz/corpus/$1} status=0 runs reproducer
	local work="$OUT/fuzz-$label" log="$OUT/fuzz-$label.log"
	shift
	rm -rf "$work/corpus"
	mkdir -p "$work/corpus" "$work/crashes"
	cp "$seeds"/* "$work/corpus/"
	touch "$work/started"
	"$OUT/fuzz_$name" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/crashes/" "$@" "$work/corpus" >"$log" 2>&1 || status=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log")
	if ((status == 0)); then
		pass "fuzz $label (${runs:-? runs}, corpus $(find "$work/corpus" -type f | wc -l) inputs)"
		return
	fi
	fail "fuzz $label (exit $status)"
	{
		grep -m 1 -E 'ERROR|runtime error|deadly signal' "$log"
		grep -m 5 -E '^ *#[0-9]+ 0x' "$log"
		grep -m 1 -E '^SUMMARY' "$log"
	} | sed 's/^/# /'
	find "$work/crashes" -type f -newer "$work/started" | while IFS= read -r reproducer; do
		echo "# reproducer: $reproducer (run: $OUT/fuzz_$name $reproducer)"
	done
	echo "# full output: $log"
}

# ---- builds ----------------------------------------------------------------

NL_SOURCES=(nl/*.c netns/*.c syscalls/syscalls.c format/format.c "${KTAP_SOURCES[@]}")
BPF_SOURCES=("${LOADER_SOURCES[@]}" wire/wire.c wire/wire_object.S "${KTAP_SOURCES[@]}")
FUZZ_ELF_SOURCES=("${LOADER_SOURCES[@]}")

build test_nl gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_nl" tests/host/test_nl.c "${NL_SOURCES[@]}"
built_test_nl=$?
build refused.bpf.o clang "${BPF_CFLAGS[@]}" -c tests/host/refused.bpf.c -o "$OUT/refused.bpf.o"
# test_bpf: one program from tests/host/bpf/*.c, a file per subject.
build test_bpf gcc "${HOST_CFLAGS[@]}" -DWIRE_OBJECT="\"$BUILD/wire.embedded.o\"" -o "$OUT/test_bpf" \
	tests/host/bpf/*.c "${BPF_SOURCES[@]}"
built_test_bpf=$?
build test_format gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_format" tests/host/test_format.c \
	format/format.c "${KTAP_SOURCES[@]}"
built_test_format=$?
build fuzz_elf clang "${FUZZ_CFLAGS[@]}" -o "$OUT/fuzz_elf" tests/fuzz/fuzz_elf.c \
	"${FUZZ_ELF_SOURCES[@]}"
built_fuzz_elf=$?
build fuzz_netlink clang "${FUZZ_CFLAGS[@]}" -o "$OUT/fuzz_netlink" tests/fuzz/fuzz_netlink.c nl/attr.c nl/link_info.c
built_fuzz_netlink=$?
# The configuration parser (phone/config*.c), on its own.
CONFIG_SOURCES=(phone/config.c phone/config_check.c phone/end_index.c phone/topology.c \
	memory/memory.c format/format.c)
TEST_CONFIG_SOURCES=("${CONFIG_SOURCES[@]}" "${KTAP_SOURCES[@]}")
build test_config gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_config" tests/host/test_config.c \
	"${TEST_CONFIG_SOURCES[@]}"
built_test_config=$?
build fuzz_config clang "${FUZZ_CFLAGS[@]}" -o "$OUT/fuzz_config" tests/fuzz/fuzz_config.c "${CONFIG_SOURCES[@]}"
built_fuzz_config=$?
# PID 1's modules.dep reader (modules/plan.c), on its own.
build test_modules gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_modules" tests/host/test_modules.c \
	modules/plan.c format/format.c "${KTAP_SOURCES[@]}"
built_test_modules=$?
build fuzz_modules clang "${FUZZ_CFLAGS[@]}" -o "$OUT/fuzz_modules" tests/fuzz/fuzz_modules.c modules/plan.c
built_fuzz_modules=$?
# The records' parser (phone/records.c), with what it stands on.
RECORDS_SOURCES=(phone/records.c memory/memory.c netns/named.c netns/hop.c syscalls/syscalls.c
	format/format.c)
build test_records gcc "${HOST_CFLAGS[@]}" -o "$OUT/test_records" tests/host/test_records.c \
	"${RECORDS_SOURCES[@]}" "${KTAP_SOURCES[@]}"
built_test_records=$?
build fuzz_records clang "${FUZZ_CFLAGS[@]}" -o "$OUT/fuzz_records" tests/fuzz/fuzz_records.c \
	"${RECORDS_SOURCES[@]}"
built_fuzz_records=$?
# Only compiled, never run here: it writes into the repository's corpus.
build make_seeds gcc "${HOST_CFLAGS[@]}" -o "$OUT/make_seeds" tests/fuzz/make_seeds.c "${NL_SOURCES[@]}"

# ---- unit tests ------------------------------------------------------------

((built_test_nl == 0)) && run_test test_nl "$OUT/test_nl"
((built_test_bpf == 0)) && run_test test_bpf "$OUT/test_bpf" "$OUT/refused.bpf.o"
((built_test_format == 0)) && run_test test_format "$OUT/test_format"
((built_test_config == 0)) && run_test test_config "$OUT/test_config"
((built_test_modules == 0)) && run_test test_modules "$OUT/test_modules"
((built_test_records == 0)) && run_test test_records "$OUT/test_records"

# ---- yogurt on a host without netkit ---------------------------------------

# Names of everything `yogurt up` creates (phone/phone.h, phone/topology.c,
# phone/owned.c). /run/yogurt/lock is meant to stay; its records are not.
leftovers() {
	local path device
	for path in /run/netns/yogurt-1 /run/netns/yogurt-2 /sys/fs/bpf/yogurt /run/yogurt/owned \
		/run/yogurt/owned.new; do
		[[ -e $path ]] && echo "$path"
	done
	for device in yg1-host yg2-host yg1-cont yg2-cont; do
		ip link show dev "$device" >/dev/null 2>&1 && echo "device $device"
	done
}

# run_yogurt ARGUMENTS...: sets status, stdout_text, stderr_text.
run_yogurt() {
	status=0
	"$BUILD/yogurt" "$@" >"$OUT/yogurt.stdout" 2>"$OUT/yogurt.stderr" || status=$?
	stdout_text=$(cat "$OUT/yogurt.stdout")
	stderr_text=$(cat "$OUT/yogurt.stderr")
	stderr_lines=$(wc -l <"$OUT/yogurt.stderr")
}

check_yogurt_up() {
	local before after
	before=$(leftovers)
	if [[ -n $before ]]; then
		fail "yogurt up: the host is clean before (left by someone else?)"
		echo "$before" | sed 's/^/# /'
		return
	fi
	run_yogurt up
	if ((status == 2)) && [[ -z $stdout_text ]] && ((stderr_lines == 1)) &&
		[[ $stderr_text == *CONFIG_NETKIT* && $stderr_text == *6.7* ]]; then
		pass "yogurt up without netkit: exit 2, one line naming CONFIG_NETKIT and 6.7"
	else
		fail "yogurt up without netkit: exit 2, one line naming CONFIG_NETKIT and 6.7 (exit $status)"
		comment_lines "$OUT/yogurt.stdout" 5
		comment_lines "$OUT/yogurt.stderr" 5
	fi
	echo "# yogurt up: $stderr_text"
	after=$(leftovers)
	if [[ -z $after ]]; then
		pass "yogurt up leaves no namespace, device or pin behind"
	else
		fail "yogurt up leaves no namespace, device or pin behind"
		echo "$after" | sed 's/^/# /'
	fi
}

check_yogurt_commands() {
	run_yogurt --version
	if ((status == 0)) && [[ $stdout_text == "yogurt "* && -z $stderr_text ]]; then
		pass "yogurt --version: exit 0, \"$stdout_text\""
	else
		fail "yogurt --version: exit 0 (exit $status, \"$stdout_text\", \"$stderr_text\")"
	fi
	run_yogurt help
	if ((status == 0)) && [[ $stdout_text == *usage:* && -z $stderr_text ]]; then
		pass "yogurt help: exit 0, usage on stdout"
	else
		fail "yogurt help: exit 0, usage on stdout (exit $status)"
	fi
	run_yogurt nonsense
	if ((status == 1)) && [[ -z $stdout_text ]] && ((stderr_lines == 1)); then
		pass "yogurt nonsense: exit 1, one line on stderr"
	else
		fail "yogurt nonsense: exit 1, one line on stderr (exit $status, $stderr_lines lines)"
		comment_lines "$OUT/yogurt.stderr" 5
	fi
	run_yogurt up extra
	if ((status == 1)) && [[ -z $stdout_text ]] && ((stderr_lines == 1)); then
		pass "yogurt up extra: exit 1, one line on stderr"
	else
		fail "yogurt up extra: exit 1, one line on stderr (exit $status, $stderr_lines lines)"
		comment_lines "$OUT/yogurt.stderr" 5
	fi
}

# expect_yogurt NAME STATUS TEXT ARGUMENTS...: yogurt ARGUMENTS exits with
# STATUS, and TEXT is in its stdout (STATUS 0) or is its one stderr line's.
expect_yogurt() {
	local name=$1 expected=$2 text=$3 ok=1
	shift 3
	run_yogurt "$@"
	((status == expected)) || ok=0
	if ((expected == 0)); then
		[[ $stdout_text == *"$text"* && -z $stderr_text ]] || ok=0
	else
		[[ $stderr_text == *"$text"* && $stderr_lines == 1 ]] || ok=0
	fi
	if ((ok)); then
		pass "$name"
	else
		fail "$name (exit $status)"
		comment_lines "$OUT/yogurt.stdout" 5
		comment_lines "$OUT/yogurt.stderr" 5
	fi
}

# The configuration from the command line: nothing of it needs netkit.
check_yogurt_config() {
	local good=$OUT/good.conf bad=$OUT/bad.conf
	printf '%s\n' 'phone a' \
		'end netns=ya1 host=ya1-host device=ya1-cont address=10.60.0.1/24' \
		'end netns=ya2 host=ya2-host device=ya2-cont address=10.60.0.2/24' \
		'phone b # IPv6 only' \
		'end netns=yb1 host=yb1-host device=yb1-cont address=fd60::1/64 mtu=1400' \
		'end netns=yb2 host=yb2-host device=yb2-cont address=fd60::2/64 mtu=1400' >"$good"
	sed 's|10.60.0.2/24|10.60.0.300/24|' "$good" >"$bad"
	expect_yogurt "yogurt help config: the format on stdout" 0 'phone [NAME]' help config
	expect_yogurt "yogurt check -c: two phones, nothing wrong" 0 'check: 2 phones, nothing wrong' check -c "$good"
	expect_yogurt "yogurt -c FILE check: -c before the command" 0 'check: phone b: yb1 <-> yb2' -c "$good" check
	expect_yogurt "yogurt check -c a broken file: exit 1, file, line and word" 1 \
		"yogurt: $bad:3: \"10.60.0.300/24\" is not an IPv4 or IPv6 address" check -c "$bad"
	expect_yogurt "yogurt up -c a broken file: exit 1, the same line" 1 "$bad:3: " up -c "$bad"
	if [[ -z $(leftovers) ]]; then
		pass "yogurt up -c a broken file leaves nothing behind"
	else
		fail "yogurt up -c a broken file leaves nothing behind"
	fi
	expect_yogurt "yogurt check -c a missing file: exit 1, cannot open" 1 "cannot open $OUT/missing.conf" \
		check -c "$OUT/missing.conf"
	expect_yogurt "yogurt check -c without a file: exit 1" 1 '-c needs a file name' check -c
	expect_yogurt "yogurt help nonsense: exit 1" 1 'unexpected argument "nonsense"' help nonsense
}

# run_yogurt_as WRAPPER... -- ARGUMENTS...: run_yogurt under setpriv/unshare.
run_yogurt_as() {
	local wrapper=()
	while [[ $1 != -- ]]; do wrapper+=("$1"); shift; done
	shift
	status=0
	"${wrapper[@]}" "$BUILD/yogurt" "$@" >"$OUT/yogurt.stdout" 2>"$OUT/yogurt.stderr" || status=$?
	stdout_text=$(cat "$OUT/yogurt.stdout")
	stderr_text=$(cat "$OUT/yogurt.stderr")
	stderr_lines=$(wc -l <"$OUT/yogurt.stderr")
}

# expect_refusal NAME WORDS...: exit 2, one line on stderr holding every word,
# nothing left behind.
expect_refusal() {
	local name=$1 word ok=1
	shift
	((status == 2 && stderr_lines == 1)) || ok=0
	for word in "$@"; do [[ $stderr_text == *"$word"* ]] || ok=0; done
	[[ -z $(leftovers) ]] || ok=0
	if ((ok)); then
		pass "$name"
	else
		fail "$name (exit $status)"
		comment_lines "$OUT/yogurt.stderr" 3
		leftovers | sed 's/^/# left: /'
	fi
	echo "# $stderr_text"
}

# Without the capabilities: named in one line, before anything is touched.
check_yogurt_capabilities() {
	run_yogurt_as setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- up
	expect_refusal "yogurt up as an unprivileged user names CAP_NET_ADMIN and CAP_BPF/CAP_SYS_ADMIN" \
		CAP_NET_ADMIN CAP_BPF CAP_SYS_ADMIN
	run_yogurt_as setpriv --inh-caps=-net_admin --bounding-set=-net_admin -- up
	expect_refusal "yogurt up without CAP_NET_ADMIN names it" CAP_NET_ADMIN
	run_yogurt_as setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin -- down
	expect_refusal "yogurt down without CAP_SYS_ADMIN names it" CAP_SYS_ADMIN
	run_yogurt_as unshare --user --map-root-user -- up
	expect_refusal "yogurt up as root of an unprivileged user namespace says what it needs" /run/netns root
}

if [[ -x $BUILD/yogurt ]]; then
	check_yogurt_up
	check_yogurt_commands
	check_yogurt_config
	check_yogurt_capabilities
else
	fail "$BUILD/yogurt exists (run make first)"
fi

# ---- man pages, make install, boot scripts ---------------------------------

# Each page clean under mandoc's lint at warning level and above.
check_man_pages() {
	local page complaints
	for page in man/yogurt.8 man/yogurt.conf.5; do
		if complaints=$(mandoc -T lint -W warning "$page" 2>&1); then
			pass "mandoc -T lint -W warning $page: clean"
		else
			fail "mandoc -T lint -W warning $page: clean"
			echo "${complaints:-mandoc failed}" | sed 's/^/# /'
		fi
	done
}

# compare_commands NAME LIST-A LIST-B: one KTAP line for whether two
# newline-separated command lists are the same set, the differences named.
compare_commands() {
	local name=$1 only_a only_b
	only_a=$(comm -23 <(sort -u <<<"$2") <(sort -u <<<"$3"))
	only_b=$(comm -13 <(sort -u <<<"$2") <(sort -u <<<"$3"))
	if [[ -n $2 && -z $only_a && -z $only_b ]]; then
		pass "$name ($(sort -u <<<"$2" | tr '\n' ' ' | sed 's/ $//'))"
	else
		fail "$name"
		[[ -n $only_a ]] && echo "# only in the first:" $only_a
		[[ -n $only_b ]] && echo "# only in the second:" $only_b
	fi
}

# The command words of `yogurt help` (its "  WORD ..." lines, and the words
# after "|" there), of yogurt(8)'s COMMANDS (".It Cm WORD") and of the
# README's command table (the first word of each `...` in a row's first cell):
# one list, so that none of them can drift from the binary.
check_command_lists() {
	local usage manual readme
	usage=$("$BUILD/yogurt" help | sed -n 's/^  \([a-z]\)/\1/p' | tr '|' '\n' |
		awk '$1 ~ /^[a-z]+$/ { print $1 }')
	manual=$(awk '/^\.Sh / { section = $2 } section == "COMMANDS" && /^\.It Cm / { print $3 }' \
		man/yogurt.8)
	readme=$(sed -n '/^## Command line/,/^### /p' README.md | grep '^| `' | cut -d'|' -f2 |
		grep -o '`[^`]*`' | tr -d '`' | awk '$1 ~ /^[a-z]+$/ { print $1 }')
	compare_commands "commands: yogurt help and yogurt(8) list the same" "$usage" "$manual"
	compare_commands "commands: yogurt help and README's table list the same" "$usage" "$readme"
}

# The example configuration is one yogurt reads, and it is the default phone.
check_example_config() {
	expect_yogurt "dist/yogurt.conf.example: yogurt check reads it, the default phone" 0 \
		'check: phone office: yogurt-1 <-> yogurt-2' check -c dist/yogurt.conf.example
}

# installed_files ROOT: "MODE PATH" of every file under ROOT, sorted; anything
# neither a file nor a directory is listed as such.
installed_files() {
	(cd "$1" && find . ! -type d -printf '%m %P %y\n' | sed 's/ f$//' | sort -k2)
}

# expect_install NAME BINARY-ARCH EXPECTED MAKE-ARGUMENTS...: make install
# into a fresh DESTDIR installs exactly EXPECTED ("MODE PATH" lines), the
# scripts name the installed binary, and nothing is built (the binary of
# that ARCH was up to date).
expect_install() {
	local name=$1 elf_machine=$2 expected=$3 root stamp log got sbin why=()
	shift 3
	root=$(mktemp -d)
	# Both outside build/, where nothing may be newer than the stamp.
	stamp=$(mktemp)
	log=$(mktemp)
	if ! make -s --no-print-directory install DESTDIR="$root" "$@" >"$log" 2>&1; then
		fail "$name: make install ${*}"
		comment_lines "$log" 10
		rm -rf "$root" "$stamp" "$log"
		return
	fi
	got=$(installed_files "$root")
	[[ $got == "$expected" ]] || why+=("not the expected files and modes:")
	sbin=$(sed -n 's/^755 \(.*sbin\)\/yogurt$/\1/p' <<<"$got")
	# The scripts' @SBINDIR@ filled in with the installed binary's path.
	if grep -rq '@SBINDIR@' "$root" || ! grep -q "^ExecStart=/$sbin/yogurt up$" \
		"$root/${sbin%/sbin}/lib/systemd/system/yogurt.service" 2>/dev/null; then
		why+=("@SBINDIR@ left, or ExecStart is not /$sbin/yogurt up")
	fi
	if [[ -e $root/etc/init.d/yogurt ]] &&
		! grep -q "^YOGURT=/$sbin/yogurt$" "$root/etc/init.d/yogurt"; then
		why+=("/etc/init.d/yogurt does not name /$sbin/yogurt")
	fi
	# e_machine (ELF offset 18): 62 x86-64, 183 aarch64.
	if [[ $(od -An -tu2 -j18 -N2 "$root/$sbin/yogurt" 2>/dev/null | tr -d ' ') != \
		"$elf_machine" ]]; then
		why+=("$sbin/yogurt is not the architecture's binary (ELF machine $elf_machine)")
	fi
	if [[ -n $(find build -newer "$stamp" -print -quit) ]]; then
		why+=("make install built something:" $(find build -newer "$stamp" | head -n 3))
	fi
	if ((${#why[@]} == 0)); then
		pass "$name"
	else
		fail "$name"
		printf '# %s\n' "${why[@]}"
		[[ $got == "$expected" ]] || diff <(echo "$expected") <(echo "$got") | sed 's/^/# /'
		comment_lines "$log" 10
	fi
	rm -rf "$root" "$stamp" "$log"
}

# The ELF e_machine of an architecture's binary.
elf_machine() {
	if [[ $1 == aarch64 ]]; then echo 183; else echo 62; fi
}

check_install() {
	local arch
	expect_install "make install DESTDIR: the expected files and modes under /usr/local" \
		"$(elf_machine "$ARCH")" \
"755 etc/init.d/yogurt
644 usr/local/lib/NetworkManager/conf.d/90-yogurt.conf
644 usr/local/lib/systemd/network/10-yogurt.network
644 usr/local/lib/systemd/system/yogurt.service
755 usr/local/sbin/yogurt
644 usr/local/share/doc/yogurt/yogurt.conf.example
644 usr/local/share/man/man5/yogurt.conf.5
644 usr/local/share/man/man8/yogurt.8" ARCH="$ARCH"
	# A firmware root: the other architecture's binary, PREFIX=/usr, procd's script.
	arch=aarch64
	[[ $ARCH == aarch64 ]] && arch=x86_64
	if [[ -x build/$arch/yogurt ]] && make -q ARCH=$arch "build/$arch/yogurt" 2>/dev/null; then
		expect_install "make install ARCH=$arch PREFIX=/usr INIT=openwrt: its binary" \
			"$(elf_machine $arch)" \
"755 etc/init.d/yogurt
644 usr/lib/NetworkManager/conf.d/90-yogurt.conf
644 usr/lib/systemd/network/10-yogurt.network
644 usr/lib/systemd/system/yogurt.service
755 usr/sbin/yogurt
644 usr/share/doc/yogurt/yogurt.conf.example
644 usr/share/man/man5/yogurt.conf.5
644 usr/share/man/man8/yogurt.8" ARCH=$arch PREFIX=/usr INIT=openwrt
	else
		echo "# make install ARCH=$arch: skipped, build/$arch/yogurt not built or not" \
			"up to date"
	fi
	expect_install "make install INIT=none: no init script" "$(elf_machine "$ARCH")" \
"644 usr/local/lib/NetworkManager/conf.d/90-yogurt.conf
644 usr/local/lib/systemd/network/10-yogurt.network
644 usr/local/lib/systemd/system/yogurt.service
755 usr/local/sbin/yogurt
644 usr/local/share/doc/yogurt/yogurt.conf.example
644 usr/local/share/man/man5/yogurt.conf.5
644 usr/local/share/man/man8/yogurt.8" ARCH="$ARCH" INIT=none
}

# The unit as installed: PREFIX a directory of its own, so that ExecStart's
# binary exists, and MANPATH there, so that its Documentation= pages do.
# systemd-analyze only warns about a bad value: any output is a failure.
check_systemd_unit() {
	local prefix output status=0
	prefix=$(mktemp -d)
	if ! make -s --no-print-directory install PREFIX="$prefix" INIT=none ARCH="$ARCH" \
		>"$OUT/install.log" 2>&1; then
		fail "systemd-analyze verify yogurt.service: make install PREFIX=$prefix"
		comment_lines "$OUT/install.log" 10
		rm -rf "$prefix"
		return
	fi
	output=$(MANPATH=$prefix/share/man systemd-analyze verify \
		"$prefix/lib/systemd/system/yogurt.service" 2>&1) || status=$?
	if ((status == 0)) && [[ -z $output ]]; then
		pass "systemd-analyze verify yogurt.service: clean"
	else
		fail "systemd-analyze verify yogurt.service: clean (exit $status)"
		echo "$output" | sed 's/^/# /'
	fi
	rm -rf "$prefix"
}

# The init scripts parse as POSIX sh (dash, Debian's /bin/sh) and under
# busybox sh (ash, OpenWrt's).
check_init_script_syntax() {
	local script shell errors
	for script in dist/sysvinit/yogurt.in dist/openwrt/yogurt.in; do
		for shell in dash "busybox sh"; do
			if errors=$($shell -n "$script" 2>&1); then
				pass "$shell -n $script"
			else
				fail "$shell -n $script"
				echo "$errors" | sed 's/^/# /'
			fi
		done
	done
}

# expect_init NAME STATUS TEXT [ENVIRONMENT...] -- ACTION...: the sysvinit script
# under busybox sh, with a stand-in yogurt (below), exits STATUS and prints
# TEXT.
expect_init() {
	local name=$1 expected=$2 text=$3 environment=() status=0 output
	shift 3
	while [[ $1 != -- ]]; do environment+=("$1"); shift; done
	shift
	output=$(env "${environment[@]}" busybox sh "$OUT/init/yogurt" "$@" 2>&1) || status=$?
	if ((status == expected)) && [[ $output == *"$text"* ]]; then
		pass "$name"
	else
		fail "$name (exit $status, want $expected)"
		echo "$output" | sed 's/^/# /'
	fi
}

# The LSB exit codes, each way to them, without netkit: yogurt is a stand-in
# that prints what it was asked, answers status -j with $FAKE_JSON, exits
# $FAKE_STATUS. The real thing runs in the VM (tests/vm/init_script_tests.c).
check_init_script() {
	local up='{"state":"up"' down='{"state":"down"' differs='{"state":"differs"' output
	mkdir -p "$OUT/init/sbin"
	printf '%s\n' '#!/bin/sh' 'echo "stand-in yogurt $*"' \
		'[ "$*" = "status -j" ] && echo "{\"phones\":[$FAKE_JSON]}"' \
		'exit "${FAKE_STATUS:-0}"' >"$OUT/init/sbin/yogurt"
	chmod 755 "$OUT/init/sbin/yogurt"
	sed "s|@SBINDIR@|$OUT/init/sbin|g" dist/sysvinit/yogurt.in >"$OUT/init/yogurt"
	expect_init "init script: status, every phone up: 0" 0 "is running" \
		FAKE_JSON="$up},$up}" -- status
	expect_init "init script: status, every phone down: 3" 3 "not running" \
		FAKE_JSON="$down},$down}" -- status
	expect_init "init script: status, a phone differs: 1" 1 "partly running" \
		FAKE_JSON="$up},$differs}" -- status
	expect_init "init script: status, one phone up, one down: 1" 1 "partly running" \
		FAKE_JSON="$up},$down}" -- status
	expect_init "init script: status, a name \"state\" does not count as a phone: 0" 0 \
		"1 of 1" FAKE_JSON="$up,\"name\":\"state\",\"x\":\"state\"}" -- status
	expect_init "init script: status, yogurt status fails: 4" 4 "" FAKE_STATUS=1 -- status
	expect_init "init script: start runs yogurt up: 0" 0 "stand-in yogurt up" -- start
	expect_init "init script: reload runs yogurt up: 0" 0 "stand-in yogurt up" -- reload
	expect_init "init script: force-reload runs yogurt up: 0" 0 "stand-in yogurt up" \
		-- force-reload
	expect_init "init script: start, yogurt refused: 1" 1 "stand-in yogurt up" FAKE_STATUS=2 \
		-- start
	expect_init "init script: stop runs yogurt down: 0" 0 "stand-in yogurt down" -- stop
	expect_init "init script: restart runs down, then up: 0" 0 \
		"stand-in yogurt down"$'\n'"stand-in yogurt up" -- restart
	expect_init "init script: an unknown action: 2, the usage" 2 "usage:" -- reload-everything
	expect_init "init script: an excess argument: 2" 2 "usage:" -- start now
	expect_init "init script: no action: 2" 2 "usage:" --
	status=0
	output=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		busybox sh "$OUT/init/yogurt" status 2>&1) || status=$?
	if ((status == 4)) && [[ $output == *"needs root"* ]]; then
		pass "init script: status as a user: 4, it needs root"
	else
		fail "init script: status as a user: 4, it needs root (exit $status)"
		echo "$output" | sed 's/^/# /'
	fi
	chmod 644 "$OUT/init/sbin/yogurt"
	expect_init "init script: yogurt not installed: start 5" 5 "not installed" -- start
	expect_init "init script: yogurt not installed: status 4" 4 "not installed" -- status
}

# OpenWrt's script needs /etc/rc.common and procd; a stand-in rc.common calls
# its functions as procd's rc.common does for start, stop and reload.
check_openwrt_script() {
	local output expected
	printf '%s\n' '. "$1"' \
		'echo "USE_PROCD=$USE_PROCD START=$START STOP=$STOP"' \
		'start_service; stop_service; reload_service' >"$OUT/init/rc.common"
	sed "s|@SBINDIR@|$OUT/init/sbin|g" dist/openwrt/yogurt.in >"$OUT/init/yogurt.openwrt"
	chmod 755 "$OUT/init/sbin/yogurt"
	output=$(busybox sh "$OUT/init/rc.common" "$OUT/init/yogurt.openwrt" 2>&1)
	expected=$(printf '%s\n' "USE_PROCD=1 START=19 STOP=91" "stand-in yogurt up" \
		"stand-in yogurt down" "stand-in yogurt up")
	if [[ $output == "$expected" ]]; then
		pass "OpenWrt script: procd, START before network's 20, yogurt up, down, up"
	else
		fail "OpenWrt script: procd, START before network's 20, yogurt up, down, up"
		echo "$output" | sed 's/^/# /'
	fi
}

check_man_pages
if [[ -x $BUILD/yogurt ]]; then
	check_command_lists
	check_example_config
	check_install
	check_systemd_unit
fi
check_init_script_syntax
check_init_script
check_openwrt_script

# ---- packing modules (scripts/pack-modules.sh) -----------------------------

# packed_dep CPIO: the modules.dep an archive of pack-modules.sh holds, then
# the file names of its members, one a line.
packed_dep() {
	local archive
	archive=$(realpath -- "$1")
	(cd "$OUT/pack" && rm -rf unpacked && mkdir unpacked && cd unpacked &&
		cpio -idm --quiet <"$archive" && cat lib/modules/*/modules.dep &&
		find . -type f -name '*.ko' | while read -r module; do
			[[ $(head -c 4 "$module" | od -An -c | tr -d ' ') == 177ELF ]] &&
				echo "ELF ${module##*/}"
		done | sort)
}

# On Debian's 6.12 package (no modules.dep: dependencies from each module's
# depends=), then on a tree with a modules.dep of its own, as depmod writes it.
check_pack_modules() {
	local tree dir release expected output status=0
	if ! tree=$(scripts/fetch-kernel.sh --modules 6.12 2>"$OUT/fetch-kernel.log"); then
		fail "pack-modules: fetch Debian's 6.12 kernel package"
		comment_lines "$OUT/fetch-kernel.log" 5
		return
	fi
	dir=("$tree"/lib/modules/*)
	release=${dir[0]##*/}
	rm -rf "$OUT/pack" && mkdir -p "$OUT/pack"
	expected=$(printf '%s\n' kernel/drivers/net/veth.ko: kernel/net/llc/llc.ko: \
		"kernel/net/802/stp.ko: kernel/net/llc/llc.ko" \
		"kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko" \
		"ELF bridge.ko" "ELF llc.ko" "ELF stp.ko" "ELF veth.ko")
	scripts/pack-modules.sh "$tree" "$OUT/pack/debian.cpio" veth bridge >"$OUT/pack/log" 2>&1 ||
		status=$?
	output=$(packed_dep "$OUT/pack/debian.cpio")
	if ((status == 0)) && [[ $output == "$expected" ]] &&
		cpio -it --quiet <"$OUT/pack/debian.cpio" | grep -qx "lib/modules/$release/modules.dep"; then
		pass "pack-modules: veth and bridge from Debian's package: their dependencies (stp, llc)" \
			"from depends=, uncompressed, in lib/modules/$release with their modules.dep"
	else
		fail "pack-modules: veth and bridge from Debian's package (exit $status)"
		{ cat "$OUT/pack/log"; echo "$output"; } | sed 's/^/# /'
	fi
	# The same modules in a tree whose modules.dep (depmod's order, and a
	# line for a module not asked for) decides.
	mkdir -p "$OUT/pack/tree/kernel/a" "$OUT/pack/tree/kernel/b"
	for module in drivers/net/veth net/llc/llc net/802/stp net/bridge/bridge; do
		ln -sf "${dir[0]}/kernel/$module.ko.xz" "$OUT/pack/tree/kernel/a/${module##*/}.ko.xz"
	done
	ln -sf "${dir[0]}/kernel/drivers/net/dummy.ko.xz" "$OUT/pack/tree/kernel/b/dummy.ko.xz"
	printf '%s\n' "kernel/b/dummy.ko.xz:" \
		"kernel/a/bridge.ko.xz: kernel/a/stp.ko.xz kernel/a/llc.ko.xz" \
		"kernel/a/stp.ko.xz: kernel/a/llc.ko.xz" "kernel/a/llc.ko.xz:" "kernel/a/veth.ko.xz:" \
		>"$OUT/pack/tree/modules.dep"
	expected=$(printf '%s\n' "kernel/a/llc.ko:" "kernel/a/stp.ko: kernel/a/llc.ko" \
		"kernel/a/bridge.ko: kernel/a/stp.ko kernel/a/llc.ko" kernel/a/veth.ko: \
		"ELF bridge.ko" "ELF llc.ko" "ELF stp.ko" "ELF veth.ko")
	status=0
	scripts/pack-modules.sh "$OUT/pack/tree" "$OUT/pack/tree.cpio" bridge veth >"$OUT/pack/log" 2>&1 ||
		status=$?
	output=$(packed_dep "$OUT/pack/tree.cpio")
	if ((status == 0)) && [[ $output == "$expected" ]]; then
		pass "pack-modules: a tree's own modules.dep decides the dependencies and their order"
	else
		fail "pack-modules: a tree's own modules.dep decides (exit $status)"
		{ cat "$OUT/pack/log"; echo "$output"; } | sed 's/^/# /'
	fi
	status=0
	output=$(scripts/pack-modules.sh "$tree" "$OUT/pack/none.cpio" veth no_such_module 2>&1) ||
		status=$?
	if ((status == 1)) && [[ $output == *"no module no_such_module in"*"not built in" ]] &&
		[[ $(wc -l <<<"$output") == 1 ]]; then
		pass "pack-modules: a name the kernel does not have: exit 1, one line"
	else
		fail "pack-modules: a name the kernel does not have: exit 1, one line (exit $status)"
		echo "$output" | sed 's/^/# /'
	fi
	status=0
	output=$(scripts/pack-modules.sh "$tree" "$OUT/pack/default.cpio" 2>&1) || status=$?
	if ((status == 0)) && [[ $output == *"netkit is built into the kernel"* ]] &&
		[[ $(packed_dep "$OUT/pack/default.cpio") == "$(printf '%s\n' kernel/drivers/net/veth.ko: \
			"ELF veth.ko")" ]]; then
		pass "pack-modules: by default netkit and veth: netkit built in (Debian's 6.12), veth packed"
	else
		fail "pack-modules: by default netkit and veth (exit $status)"
		echo "$output" | sed 's/^/# /'
	fi
}

check_pack_modules

# ---- fuzzers (last: the slow part) -----------------------------------------

((built_fuzz_elf == 0)) && run_fuzzer elf -dict=tests/fuzz/elf.dict
((built_fuzz_netlink == 0)) && run_fuzzer netlink -dict=tests/fuzz/netlink.dict
((built_fuzz_config == 0)) && run_fuzzer config
# The config parser on large files too: seeds of 1,000 generated phones.
large_config_seeds() {
	local seeds=$OUT/fuzz-config-large-seeds
	mkdir -p "$seeds"
	for ((phone = 0; phone < 1000; phone++)); do
		printf 'phone p%d\nend netns=n%da host=h%da device=d%da address=10.%d.%d.1/24\n' \
			"$phone" "$phone" "$phone" "$phone" $((phone / 256)) $((phone % 256))
		printf 'end netns=n%db host=h%db device=d%db address=10.%d.%d.2/24\n' \
			"$phone" "$phone" "$phone" $((phone / 256)) $((phone % 256))
	done >"$seeds/many.conf"
	echo "$seeds"
}
((built_fuzz_config == 0)) && SEEDS=$(large_config_seeds) LABEL=config-large \
	run_fuzzer config -max_len=$((1 << 20)) -len_control=0
((built_fuzz_modules == 0)) && run_fuzzer modules
((built_fuzz_records == 0)) && run_fuzzer records

((failures == 0))
