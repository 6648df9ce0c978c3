#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A call chain names each file as its taker sees it now, though the
# module remembers the files it has named (ustackcfg files_named,
# files_read) so that a chain through them costs no d_path() and no
# build-ID read. A copy of ustack_fp clears O_NONBLOCK (a chain through
# it and libc):
# - run again, both files are named from memory, none read;
# - renamed, run under its new name: named by it;
# - through a hard link (the same inode, another name): by the link;
# - from a bind mount of its directory (the same dentry, another
#   mount): by the mount's path;
# - chrooted into its directory (the same dentry and mount, another
#   root): by its path in the chroot;
# - rewritten in place with ustack_nofp (the same name, dentry and
#   inode): with ustack_nofp's build ID.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
[ -x "$dir/ustack_fp" ] || skip "ustack_prog not built"
tmp=$(mktemp -d)
mnt=$(mktemp -d)
trap 'umount "$mnt" 2>/dev/null; rm -rf "$tmp"; rmdir "$mnt"' EXIT
cp "$dir/ustack_fp" "$tmp/prog"

# files files_named|files_read: that count on the ustackcfg line
files() {
	awk -v k="$1=" '$1 == "ustackcfg" { for (i = 2; i <= NF; i++)
		if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$PROC"
}
# clear_file FIELD INO CMD...: runs CMD (a clear); FIELD (path or
# build_id) of the file of inode INO in its chain
clear_file() {
	local field=$1 ino=$2 pid id
	shift 2
	pid=$("$@") || die "$* failed"
	id=$(rec_field sockclear "tgid=$pid" stack)
	[ -n "$id" ] && [ "$id" != 0 ] || die "$*: its clear has no chain"
	awk -v s="stack=$id" -v i="ino=$ino" -v f="$field" '$1 == "ufile" && $2 == s && $5 == i {
		if (f == "path") { sub(/.* path=/, ""); print } else { sub(/.* build_id=/, ""); sub(/ .*/, ""); print }
		exit }' "$PROC"
}
# named_as WANT CMD...: CMD's chain names the file of $prog WANT
named_as() {
	local want=$1 got
	shift
	got=$(clear_file path "$(stat -L -c %i "$prog")" "$@")
	log "$*: named $got"
	[ "$got" = "$want" ] || die "$*: its chain names its file '$got', want '$want'"
}

prog=$tmp/prog
named_as "$tmp/prog" "$tmp/prog" clear
# Nothing else here takes chains or renames, but a rename anywhere would
# make a file be read again: three tries.
for try in 1 2 3; do
	named0=$(files files_named)
	read0=$(files files_read)
	named_as "$tmp/prog" "$tmp/prog" clear
	named=$(($(files files_named) - named0))
	read=$(($(files files_read) - read0))
	log "the same program again (try $try): $named files named, $read read"
	[ "$named" -ge 2 ] || die "its chains named $named files, want the program and libc"
	[ "$read" != 0 ] || break
done
[ "$read" = 0 ] || die "its chains read $read files again, want none: named from memory"

mv "$tmp/prog" "$tmp/renamed"
prog=$tmp/renamed
named_as "$tmp/renamed" "$tmp/renamed" clear
ln "$tmp/renamed" "$tmp/linked"
named_as "$tmp/linked" "$tmp/linked" clear
mount --bind "$tmp" "$mnt" || die "mount --bind failed"
named_as "$mnt/linked" "$mnt/linked" clear
named_as "$tmp/linked" "$tmp/linked" clear

# A root of its own: the program's directory, with the libraries it loads.
for lib in $(ldd "$tmp/linked" | grep -o '/[^ ]*'); do
	mkdir -p "$tmp$(dirname "$lib")"
	cp "$lib" "$tmp$lib"
done
named_as /linked chroot "$tmp" /linked clear
named_as "$tmp/linked" "$tmp/linked" clear

# Rewritten in place: the same name, dentry and inode, another build ID.
want=$(readelf -n "$dir/ustack_nofp" 2>/dev/null | awk '/Build ID:/ { print $3 }')
[ -n "$want" ] || die "no build ID from readelf -n $dir/ustack_nofp"
cat "$dir/ustack_nofp" > "$tmp/linked"
got=$(clear_file build_id "$(stat -c %i "$tmp/linked")" "$tmp/linked" clear)
log "rewritten with ustack_nofp: build ID $got"
[ "$got" = "$want" ] || die "rewritten in place, its chain gives build ID $got, want ustack_nofp's $want"
log "each file named as its taker sees it"
