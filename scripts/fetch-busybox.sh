#!/bin/bash
# Prints the path of Debian's static busybox for ARCH, the shell the VM suite
# runs the init script with (tests/vm/init_script_tests.c).
#
# Usage: scripts/fetch-busybox.sh
# ARCH (environment, default x86_64): on this machine's own architecture the
# installed busybox-static (/bin/busybox, scripts/install-deps.sh); on another
# one busybox-static:ARCH, which cannot be installed beside it, downloaded and
# unpacked once (dpkg --add-architecture must have been done: make deps).
# Cache: ${YOGURT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yogurt}/busybox-<deb version>-<arch>/
set -euo pipefail

die() { echo "fetch-busybox: $*" >&2; exit 1; }

case ${ARCH:-x86_64} in
x86_64) debian_arch=amd64 ;;
aarch64) debian_arch=arm64 ;;
*) die "no Debian busybox for ARCH=$ARCH (x86_64 or aarch64)" ;;
esac

# Only the static package will do: the VM image has no libc for it.
if [[ $debian_arch == "$(dpkg --print-architecture)" ]]; then
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
		die "busybox-static is not installed: run scripts/install-deps.sh (or make deps)"
	echo /bin/busybox
	exit 0
fi

cache=${YOGURT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yogurt}
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
	mkdir -p "$cache"
	download=$(mktemp -d)
	staging=$(mktemp -d "$cache/.busybox.XXXXXX")
	trap 'rm -rf "$download" "$staging"' EXIT
	# As root, apt-get download hands the file to user _apt (see fetch-kernel.sh).
	chmod 777 "$download"
	(cd "$download" && apt-get download -q "busybox-static:$debian_arch=$version") \
		>/dev/null 2>"$download/log" ||
		die "apt-get download busybox-static:$debian_arch=$version failed:" \
			"$(grep -m1 '^E:' "$download/log" || tail -n1 "$download/log")"
	dpkg-deb -x "$download"/*.deb "$staging" 2>"$download/log" ||
		die "dpkg-deb -x failed: $(tail -n1 "$download/log")"
	[[ -x $staging/bin/busybox ]] || die "no bin/busybox in busybox-static:$debian_arch"
	# Complete or not at all, as fetch-kernel.sh does.
	chmod 755 "$staging"
	mv -T "$staging" "$tree" 2>/dev/null || [[ -x $tree/bin/busybox ]] ||
		die "cannot create $tree"
fi
echo "$tree/bin/busybox"
