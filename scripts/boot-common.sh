# Sourced by scripts/run.sh (make run) and scripts/selftest.sh (make
# selftest), before anything else: makes a relative KERNEL or MODULES the
# caller's (from where it stood), goes to the repository's root, sets ARCH (default: this
# machine's); then boot_prepare picks the kernel and image to boot, and, when
# yogurt never got to say anything, boot_diagnosis says in one line how far
# the boot came.
[[ -z ${KERNEL:-} ]] || KERNEL=$(realpath -m -- "$KERNEL")
[[ -z ${MODULES:-} ]] || MODULES=$(realpath -m -- "$MODULES")
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export ARCH=${ARCH:-$(uname -m)}

# The kernel image: KERNEL when given (no download), else Debian's SERIES.
boot_kernel() {
	if [[ -n ${KERNEL:-} ]]; then
		[[ -r $KERNEL ]] || { echo "$1: cannot read KERNEL=$KERNEL" >&2; return 2; }
		echo "$KERNEL"
	else
		scripts/fetch-kernel.sh "${2:-6.12}"
	fi
}

# The initramfs to boot: yogurt's, build/ARCH/initramfs.cpio; with
# MODULES=DIR, that image with the modules of MODULES_LOAD (and what they
# depend on) from DIR packed after it, for PID 1 to load.
boot_initramfs() {
	local build
	build=$(make -s --no-print-directory ARCH="$ARCH" print-BUILD)
	if [[ -z ${MODULES:-} ]]; then
		echo "$build/initramfs.cpio"
		return
	fi
	# shellcheck disable=SC2086 # MODULES_LOAD is a list of names
	scripts/pack-modules.sh "$MODULES" "$build/modules.cpio" ${MODULES_LOAD:-} >&2 || return 2
	cat "$build/initramfs.cpio" "$build/modules.cpio" >"$build/initramfs-modules.cpio"
	echo "$build/initramfs-modules.cpio"
}

# boot_prepare NAME SERIES: sets kernel (boot_kernel's), initramfs, and log,
# a file for the console removed at exit.
boot_prepare() {
	kernel=$(boot_kernel "$1" "$2") || exit 2
	initramfs=$(boot_initramfs) || exit 2
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
}

# boot_diagnosis NAME LOG STATUS: for a boot in which yogurt never spoke
# (the caller checks for its lines first), why not, in one line on stderr;
# STATUS is run-vm.sh's (124: timed out).
boot_diagnosis() {
	local name=$1 log=$2 status=$3
	if grep -qE 'Unable to mount root fs|No working init found|Kernel panic' "$log"; then
		echo "$name: the kernel did not start yogurt from the initramfs: is it built with" \
			"CONFIG_BLK_DEV_INITRD and CONFIG_DEVTMPFS?" >&2
	elif ! grep -q . "$log"; then
		echo "$name: the kernel printed nothing on the serial console (exit $status):" \
			"is it one for ARCH=$ARCH, built with CONFIG_SERIAL_8250_CONSOLE (x86_64)" \
			"or CONFIG_SERIAL_AMBA_PL011_CONSOLE (aarch64)?" >&2
	else
		local timed_out=""
		((status != 124)) || timed_out=": timed out"
		echo "$name: the kernel booted but yogurt never spoke (exit $status$timed_out):" \
			"is it built with CONFIG_BLK_DEV_INITRD, CONFIG_DEVTMPFS and" \
			"CONFIG_NET_NS?" >&2
	fi
}
