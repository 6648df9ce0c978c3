#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A call chain names each file as its taker sees it now, though the
# module remembers the files it has named (a ufile line's from=memory)
# so that a chain through them costs no d_path() and no build-ID read.
# A copy of ustack_fp clears O_NONBLOCK (a chain through it and libc):
# - run again, both files are named from memory (ustackcfg counts
#   files_named and files_read); run by another user, both are read;
# - renamed, or a directory above it renamed, run under its new name:
#   named by it;
# - through a hard link (the same inode, another name): by the link;
# - from a bind mount of its directory (the same dentry, another
#   mount): by the mount's path;
# - chrooted into its directory (the same dentry and mount, another
#   root): by its path in the chroot;
# - rewritten in place with ustack_nofp, padded to the same size (the
#   same name, dentry, inode and size): with ustack_nofp's build ID.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
[ -x "$dir/ustack_fp" ] || skip "ustack_prog not built"
tmp=$(mktemp -d)
mnt=$(mktemp -d)
trap 'umount "$mnt" 2>/dev/null; rm -rf "$tmp"; rmdir "$mnt"' EXIT
cp "$dir/ustack_fp" "$tmp/prog"
# A file changed in the last two seconds is not remembered (a write sets
# its change time before it copies): each change below is followed by
# settle, so that the name before it was remembered and could go stale.
settle() { sleep 3; }
settle

# files files_named|files_read: that count on the ustackcfg line
files() {
	awk -v k="$1=" '$1 == "ustackcfg" { for (i = 2; i <= NF; i++)
		if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$PROC"
}
# clear_stack CMD...: runs CMD (a clear); its chain's id, or why none, and 1
clear_stack() {
	local pid stack
	pid=$("$@") || { echo "$* failed"; return 1; }
	stack=$(rec_field sockclear "tgid=$pid" stack)
	[ -n "$stack" ] && [ "$stack" != 0 ] || { echo "$*: its clear has no chain"; return 1; }
	echo "$stack"
}
# clear_file FIELD INO CMD...: runs CMD (a clear); FIELD (path, from or
# build_id) of the file of inode INO in its chain, or why none, and 1
clear_file() {
	local field=$1 ino=$2 stack
	shift 2
	stack=$(clear_stack "$@") || { echo "$stack"; return 1; }
	awk -v s="stack=$stack" -v i="ino=$ino" -v f="$field" '$1 == "ufile" && $2 == s && $5 == i {
		if (f == "path") { sub(/.* path=/, ""); print; exit }
		for (k = 2; k <= NF; k++) if (index($k, f "=") == 1) { print substr($k, length(f) + 2); exit } }' "$PROC"
}
# clear_from CMD...: runs CMD (a clear); how its chain's files were
# named ("2 memory", "1 file 1 memory"), or why not, and 1
clear_from() {
	local stack from
	stack=$(clear_stack "$@") || { echo "$stack"; return 1; }
	from=$(awk -v s="stack=$stack" '$1 == "ufile" && $2 == s { for (k = 2; k <= NF; k++)
		if ($k ~ /^from=/) print substr($k, 6) }' "$PROC" | sort | uniq -c | tr -s ' \n' '  ')
	[ -n "$from" ] || { echo "$*: its chain's files say nothing of where they were named from"; return 1; }
	echo "$from"
}
# named_as WANT CMD...: CMD's chain names the file of $prog WANT
named_as() {
	local want=$1 got
	shift
	got=$(clear_file path "$(stat -L -c %i "$prog")" "$@") || die "$got"
	log "$*: named $got"
	[ "$got" = "$want" ] || die "$*: its chain names its file '$got', want '$want'"
}

# twice CMD...: CMD, then CMD again at once (what the second prints).
# An entry serves for 10 s: the runs of a check that wants a file named
# from memory follow each other at once, not a read of /proc/forkstat
# apart (those reads alone took more than 10 s on the PREEMPT_RT
# debugging kernel, a hundred times slower than the others).
twice() {
	"$@" > /dev/null && "$@"
}

prog=$tmp/prog
named_as "$tmp/prog" "$tmp/prog" clear
# Nothing else here takes chains, but a rename anywhere on the host
# makes every file be read again: three tries.
for try in 1 2 3; do
	from=$(clear_from twice "$tmp/prog" clear) || die "$from"
	log "run again (try $try): its files from: $from"
	case $from in
	*file*) ;;
	*) break ;;
	esac
done
case $from in
*file*) die "run again, its chain read a file again ($from), want all named from memory" ;;
esac
named=$(files files_named)
read=$(files files_read)
log "files named in chains: $named, read: $read"
[ "$read" -gt 0 ] && [ "$named" -gt "$read" ] || die "files_named=$named files_read=$read, want some read and more named"

# Another user's chain through the same files reads them: whether a file
# was named before must not tell one user what another's chains touched.
# A fresh copy, named by root at once before.
chmod 755 "$tmp"
cp "$dir/ustack_fp" "$tmp/shared"
settle
root_then_60001() {
	"$1" clear > /dev/null && setpriv --reuid=60001 --regid=60001 --clear-groups -- "$1" clear
}
from=$(clear_from root_then_60001 "$tmp/shared") || die "$from"
log "the same program as uid 60001 right after root: its files from: $from"
case $from in
*memory*) die "uid 60001's chain named a file from root's memory ($from)" ;;
esac

mv "$tmp/prog" "$tmp/renamed"
prog=$tmp/renamed
named_as "$tmp/renamed" "$tmp/renamed" clear
# A directory above it renamed: only the rename sequence tells.
mkdir "$tmp/d"
cp "$dir/ustack_fp" "$tmp/d/p"
settle
prog=$tmp/d/p
named_as "$tmp/d/p" "$tmp/d/p" clear
mv "$tmp/d" "$tmp/e"
prog=$tmp/e/p
named_as "$tmp/e/p" "$tmp/e/p" clear
ln "$tmp/renamed" "$tmp/linked"
settle
prog=$tmp/linked
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

# Rewritten in place: the same name, dentry, inode and size, another
# build ID; only the change time tells. A new copy, named just before,
# so that its entry is well within its 10 s.
want=$(readelf -n "$dir/ustack_nofp" 2>/dev/null | awk '/Build ID:/ { print $3 }')
[ -n "$want" ] || die "no build ID from readelf -n $dir/ustack_nofp"
cp "$dir/ustack_fp" "$tmp/fresh"
size=$(stat -c %s "$tmp/fresh")
[ "$(stat -c %s "$dir/ustack_nofp")" -le "$size" ] || die "ustack_nofp is bigger than ustack_fp: cannot pad it to the same size"
prog=$tmp/fresh
settle
named_as "$tmp/fresh" "$tmp/fresh" clear
cat "$dir/ustack_nofp" > "$tmp/fresh" || die "cannot rewrite $tmp/fresh"
truncate -s "$size" "$tmp/fresh" || die "cannot pad $tmp/fresh"
got=$(clear_file build_id "$(stat -c %i "$tmp/fresh")" "$tmp/fresh" clear) || die "$got"
log "rewritten with ustack_nofp, $size bytes as before: build ID $got"
[ "$got" = "$want" ] || die "rewritten in place, its chain gives build ID $got, want ustack_nofp's $want"
log "each file named as its taker sees it"
