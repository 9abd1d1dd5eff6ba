# debian-package.sh — what fetch-kernel.sh and fetch-busybox.sh share, sourced
# by both (each defines die first): Debian's name for ARCH, the cache, and a
# package downloaded and unpacked once.

# Debian's architecture for ARCH (environment; default: this machine's,
# uname -m), in debian_arch.
debian_arch_of_arch() {
	ARCH=${ARCH:-$(uname -m)}
	case $ARCH in
	x86_64) debian_arch=amd64 ;;
	aarch64) debian_arch=arm64 ;;
	*) die "no Debian packages for ARCH=$ARCH (x86_64 or aarch64)" ;;
	esac
}

cache=${YOGURT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yogurt}

# unpack_once PACKAGE:ARCH=VERSION TREE: downloads the package and unpacks it
# into TREE, which appears complete or not at all, even if this run is
# interrupted; if a concurrent run got there first, its tree is as good.
unpack_once() {
	local package=$1 tree=$2
	[[ -d $tree ]] && return 0
	mkdir -p "$cache"
	# Globals, not locals: the EXIT trap runs after this function returned.
	download=$(mktemp -d)
	staging=$(mktemp -d "$cache/.unpack.XXXXXX")
	trap 'rm -rf "$download" "$staging"' EXIT
	# Run as root, apt-get download hands the file to user _apt: it must be
	# able to write the directory (and reach it, hence /tmp, not ~/.cache).
	chmod 777 "$download"
	(cd "$download" && apt-get download -q "$package") >/dev/null 2>"$download/log" ||
		die "apt-get download $package failed:" \
			"$(grep -m1 '^E:' "$download/log" || tail -n1 "$download/log")"
	dpkg-deb -x "$download"/*.deb "$staging" 2>"$download/log" ||
		die "dpkg-deb -x failed: $(tail -n1 "$download/log")"
	chmod 755 "$staging"
	mv -T "$staging" "$tree" 2>/dev/null || [[ -d $tree ]] || die "cannot create $tree"
}
