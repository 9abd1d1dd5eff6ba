#!/bin/bash
# Prints the path of the vmlinuz of Debian's newest cloud kernel of a series,
# downloading and unpacking it once into a cache outside the git tree.
#
# Usage: scripts/fetch-kernel.sh [--modules] [SERIES]     SERIES defaults to 6.12
#   --modules  print the unpacked tree's root instead (lib/modules/<release>/ is in it)
# ARCH (environment; default: this machine's, uname -m): x86_64 takes the
# amd64 kernel, aarch64 the arm64 one (dpkg --add-architecture arm64 must
# have been done: make deps).
# Cache: ${YOGURT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yogurt}/kernel-<deb version>[-arm64]/
set -euo pipefail

die() { echo "fetch-kernel: $*" >&2; exit 1; }
# shellcheck source=scripts/debian-package.sh
. "$(dirname "$0")/debian-package.sh"

want=vmlinuz
if [[ ${1:-} == --modules ]]; then
	want=tree
	shift
fi
series=${1:-6.12}
debian_arch_of_arch
[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || die "bad series \"$series\" (want e.g. 6.12 or 6.1)"

# Names look like linux-image-6.12.117+deb12-cloud-amd64-unsigned and
# linux-image-6.1.0-56-cloud-arm64-unsigned; "6\.1\." cannot match 6.12.
pattern="^linux-image-${series//./\\.}\\.[0-9]+([-+][0-9a-z]+)*-cloud-$debian_arch-unsigned\$"

# Prints "PACKAGE VERSION" of the newest match.  --full adds the records, so
# one apt-cache run (about a second here: no pkgcache.bin) gives the version too.
newest_package() {
	apt-cache search --full --names-only "$pattern" |
		awk '/^Package: /{name=$2} /^Version: /{print name, $2}' | sort -V -k1,1 | tail -n1
}

found=$(newest_package)
if [[ -z $found ]]; then
	apt-get update -qq >/dev/null 2>&1 ||
		die "no $series cloud kernel in the apt lists and apt-get update failed (root?)"
	found=$(newest_package)
	[[ -n $found ]] || die "no package matches $pattern"
fi
read -r pkg version <<<"$found"
# amd64 keeps the name it always had, so that a filled cache stays valid.
tree=$cache/kernel-$version
[[ $debian_arch == amd64 ]] || tree+=-$debian_arch

unpack_once "$pkg:$debian_arch=$version" "$tree"

vmlinuz=("$tree"/boot/vmlinuz-*)
[[ -f ${vmlinuz[0]} ]] || die "no boot/vmlinuz-* in $tree"
if [[ $want == tree ]]; then
	echo "$tree"
else
	echo "${vmlinuz[0]}"
fi
