#!/bin/bash
# Prints the path of Debian's static busybox for ARCH, the shell the VM suite
# runs the init script with (tests/vm/init_script_tests.c).
#
# Usage: scripts/fetch-busybox.sh
# ARCH (environment; default: this machine's, uname -m): on this machine's
# own architecture the installed busybox-static (/bin/busybox,
# scripts/install-deps.sh); on another one busybox-static:ARCH, which cannot
# be installed beside it, downloaded and unpacked once (dpkg
# --add-architecture must have been done: make deps).
# Cache: ${YOGURT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yogurt}/busybox-<deb version>-<arch>/
set -euo pipefail

die() { echo "fetch-busybox: $*" >&2; exit 1; }
# shellcheck source=scripts/debian-package.sh
. "$(dirname "$0")/debian-package.sh"

debian_arch_of_arch

# Only the static package will do: the VM image has no libc for it.
if [[ $debian_arch == "$(dpkg --print-architecture)" ]]; then
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
		die "busybox-static is not installed: run scripts/install-deps.sh (or make deps)"
	echo /bin/busybox
	exit 0
fi

version=$(apt-cache policy "busybox-static:$debian_arch" 2>/dev/null |
	sed -n 's/^ *Candidate: //p')
if [[ -z $version || $version == "(none)" ]]; then
	apt-get update -qq >/dev/null 2>&1 ||
		die "no busybox-static:$debian_arch in the apt lists, and apt-get update" \
			"failed (root?)"
	version=$(apt-cache policy "busybox-static:$debian_arch" | sed -n 's/^ *Candidate: //p')
	[[ -n $version && $version != "(none)" ]] ||
		die "no busybox-static:$debian_arch: dpkg --add-architecture" \
			"$debian_arch (make deps)"
fi
# Versions have an epoch ("1:1.35.0-4"): no ':' in a directory name.
tree=$cache/busybox-${version//:/_}-$debian_arch

if [[ ! -x $tree/bin/busybox ]]; then
	unpack_once "busybox-static:$debian_arch=$version" "$tree"
	[[ -x $tree/bin/busybox ]] || die "no bin/busybox in busybox-static:$debian_arch"
fi
echo "$tree/bin/busybox"
