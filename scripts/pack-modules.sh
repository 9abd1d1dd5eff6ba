#!/bin/bash
# Packs kernel modules into a cpio archive to concatenate to an initramfs
# (the kernel unpacks concatenated archives one after the other): the named
# modules and the modules they depend on, uncompressed, under
# /lib/modules/RELEASE/, with a modules.dep that lists only them. yogurt as
# PID 1 loads every module that modules.dep lists, dependencies first.
#
# Usage: scripts/pack-modules.sh DIR OUTPUT [NAME...]
#   DIR     a kernel's module tree: lib/modules/RELEASE (its name is the
#           release, uname -r, the modules are for), or a root holding one
#           such tree (make modules_install INSTALL_MOD_PATH=ROOT, or an
#           unpacked kernel package)
#   NAME    module names (veth, or br_netfilter); default "netkit veth",
#           where one the kernel does not have is skipped with a note
# Dependencies come from DIR/modules.dep (depmod's) if it is there, else
# from each module's own depends= (a package unpacked without running
# depmod, like Debian's). A module built into the kernel (modules.builtin)
# is not packed. Modules are decompressed here (.ko.xz, .ko.gz, .ko.zst):
# any kernel with CONFIG_MODULES loads them, whether or not it can
# decompress modules itself, and whichever compression it was built for.
set -euo pipefail

die() { echo "pack-modules: $*" >&2; exit 1; }
(($# >= 2)) || die "usage: pack-modules.sh DIR OUTPUT [NAME...]"
# Both are the caller's, from where it stood.
dir=$(realpath -m -- "$1") output=$(realpath -m -- "$2")
shift 2
strict=1
names=("$@")
if ((${#names[@]} == 0)); then
	strict=0
	names=(netkit veth)
fi
[[ -d $dir ]] || die "no directory $dir"
if [[ ! -d $dir/kernel && -d $dir/lib/modules ]]; then
	releases=("$dir"/lib/modules/*/)
	((${#releases[@]} == 1)) || die "$dir/lib/modules holds ${#releases[@]} releases: name one"
	dir=${releases[0]%/}
fi
release=$(basename "$dir")
cd "$(dirname "$0")/.."
mkcpio=$(make -s --no-print-directory print-BUILD)/mkcpio
[[ -x $mkcpio ]] || make -s "$mkcpio" >/dev/null

# Module name -> its path under dir: the name is the file's without .ko*,
# with - and _ the same (as the kernel has them).
declare -A path_of
while IFS= read -r file; do
	name=${file##*/}
	name=${name%%.ko*}
	path_of[${name//-/_}]=$file
done < <(cd "$dir" &&
	find . -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.gz' -o -name '*.ko.zst' |
	sed 's|^\./||')

# decompress PATH: the module's bytes, uncompressed, on stdout.
decompress() {
	case $1 in
	*.xz) xz -dc -- "$dir/$1" ;;
	*.gz) gzip -dc -- "$dir/$1" ;;
	*.zst) zstd -dcq -- "$dir/$1" ;;
	*) cat -- "$dir/$1" ;;
	esac
}

# The dependencies (paths) of each module, in modules.dep's order: a module
# before the ones it uses, so that loading from the last satisfies each.
declare -A deps_of
if [[ -f $dir/modules.dep ]]; then
	while IFS=: read -r module list; do
		deps_of[$module]=${list# }
	done <"$dir/modules.dep"
else
	# From depends= in each module's .modinfo: a depth-first walk puts a
	# module after all it uses (load order); a line lists the module's
	# dependencies in the reverse of that order.
	declare -A direct_of visited
	load_order=()
	visit() {
		local path=$1 depends dependency
		[[ -n ${visited[$path]:-} ]] && return 0
		visited[$path]=1
		depends=$(decompress "$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1)
		direct_of[$path]=
		for dependency in ${depends//,/ }; do
			[[ -n ${path_of[${dependency//-/_}]:-} ]] ||
				die "$path depends on $dependency, which is not in $dir"
			direct_of[$path]+=" ${path_of[${dependency//-/_}]}"
			visit "${path_of[${dependency//-/_}]}"
		done
		load_order+=("$path")
	}
	all_of() {	# every dependency of $1, each once, into the set "all"
		local dependency
		for dependency in ${direct_of[$1]}; do
			[[ -n ${all[$dependency]:-} ]] && continue
			all[$dependency]=1
			all_of "$dependency"
		done
	}
fi

wanted=()
for name in "${names[@]}"; do
	key=${name//-/_}
	if [[ -n ${path_of[$key]:-} ]]; then
		wanted+=("${path_of[$key]}")
	elif grep -qE "(^|/)(${name}|${key})\.ko$" "$dir/modules.builtin" 2>/dev/null; then
		echo "pack-modules: $name is built into the kernel: nothing to pack"
	elif ((strict)); then
		die "no module $name in $dir, and it is not built in"
	else
		echo "pack-modules: $name is not in this kernel (no module, not built in): skipped"
	fi
done

# The modules to pack, in load order, each once.
packed=()
declare -A in_pack
add() {
	[[ -n ${in_pack[$1]:-} ]] && return 0
	in_pack[$1]=1
	packed+=("$1")
}
if [[ -f $dir/modules.dep ]]; then
	for module in "${wanted[@]}"; do
		[[ -v deps_of[$module] ]] || die "$dir/modules.dep has no line for $module"
		read -ra list <<<"${deps_of[$module]}"
		for ((index = ${#list[@]} - 1; index >= 0; index--)); do
			add "${list[index]}"
		done
		add "$module"
	done
	for module in "${packed[@]}"; do
		[[ -v deps_of[$module] ]] || die "$dir/modules.dep has no line for $module"
	done
else
	for module in "${wanted[@]}"; do
		visit "$module"
	done
	for module in "${load_order[@]}"; do
		add "$module"
		declare -A all=()
		all_of "$module"
		deps_of[$module]=
		for ((index = ${#load_order[@]} - 1; index >= 0; index--)); do
			if [[ -n ${all[${load_order[index]}]:-} ]]; then
				deps_of[$module]+=" ${load_order[index]}"
			fi
		done
		deps_of[$module]=${deps_of[$module]# }
	done
fi

uncompressed() { local path=${1%.xz}; path=${path%.gz}; echo "${path%.zst}"; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
root=/lib/modules/$release
entries=$staging/entries
{ echo "dir /lib 0755"; echo "dir /lib/modules 0755"; echo "dir $root 0755"; } >"$entries"
declare -A made_dir
for module in "${packed[@]}"; do
	target=$(uncompressed "$module")
	mkdir -p "$staging/tree/$(dirname "$target")"
	decompress "$module" >"$staging/tree/$target" ||
		die "cannot decompress $dir/$module (xz-utils, gzip, zstd installed?)"
	[[ $(head -c 4 "$staging/tree/$target" | od -An -c | tr -d ' ') == 177ELF ]] ||
		die "$dir/$module is not a kernel module (no ELF inside)"
	parent=$root
	IFS=/ read -ra parts <<<"$(dirname "$target")"
	for part in "${parts[@]}"; do
		parent+=/$part
		[[ -n ${made_dir[$parent]:-} ]] && continue
		made_dir[$parent]=1
		echo "dir $parent 0755" >>"$entries"
	done
	echo "file $root/$target 0644 $staging/tree/$target" >>"$entries"
	line="$target:"
	for dependency in ${deps_of[$module]}; do
		line+=" $(uncompressed "$dependency")"
	done
	echo "$line" >>"$staging/modules.dep"
done
touch "$staging/modules.dep"
echo "file $root/modules.dep 0644 $staging/modules.dep" >>"$entries"
"$mkcpio" "$output" - <"$entries"
echo "pack-modules: ${#packed[@]} modules for $release into $output:" \
	"$(for module in "${packed[@]}"; do m=${module##*/}; printf '%s ' "${m%%.ko*}"; done)"
