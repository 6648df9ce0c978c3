#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# User call chains of clears and slow forks, named by forkstatctl from
# the mapped files after the processes are gone: a C program's own three
# functions in order (frame pointers) or its first frame (without); a
# slow fork's forking function; CPython's setblocking(True), and the
# setblocking(False) undoing it, landing in python3; Go's
# conn.File()+Fd() naming os.(*File).Fd, which Go inlines, and
# main.dialAll, and the summary saying so; hostile frame pointers
# and a stack unmapped meanwhile cut the walk where it must stop.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
ctl=$dir/forkstatctl
[ -x "$ctl" ] || skip "no forkstatctl next to the tests"
[ -x "$dir/ustack_fp" ] && [ -x "$dir/ustack_nofp" ] || skip "ustack_prog not built"
command -v jq >/dev/null || skip "jq is not installed"
slow=/sys/module/forkstat/parameters/slow_us
old_slow=$(cat $slow)
json=$(mktemp)
trap 'echo $old_slow > $slow; rm -f "$json"' EXIT

# names KIND PID: the function names of PID's newest clear (KIND
# clears), set after a clear (sets) or slow fork (events), innermost
# first, a line each, with the file each frame is in: "name file".
names() {
	"$ctl" --json > "$json" || die "forkstatctl --json failed"
	jq -r --arg kind "$1" --argjson pid "$2" '
		[(if $kind == "events" then .slow.events else .sockets[$kind] end)[]
		 | select(.tgid == $pid)] | last | .stack.frames[]?
		| (.file // "-") as $f | (.functions[] // "?") | "\(.) \($f | split("/") | last)"' "$json"
}

# in_order NAMES A B C...: A, B, C appear in NAMES in that order.
in_order() {
	local names=$1 at=0 n
	shift
	for want; do
		n=$(awk -v w="$want" -v from=$at '$1 == w && NR > from { print NR; exit }' <<< "$names")
		[ -n "$n" ] || return 1
		at=$n
	done
}

# first_own NAMES FILE: the first name in the program's own file.
first_own() {
	awk -v f="$2" '$2 == f { print $1; exit }' <<< "$1"
}

mark_dmesg
echo 1 > $slow	# every fork is slow: each gets its chain
for prog in ustack_fp ustack_nofp; do
	pid=$("$dir/$prog" clear) || die "$prog clear failed"
	n=$(names clears "$pid")
	log "$prog clear: $(echo $n | tr '\n' ' ')"
	[ "$(first_own "$n" $prog)" = inner_c ] || die "$prog: the clear's first own frame is not inner_c"
	if [ $prog = ustack_fp ]; then
		in_order "$n" inner_c middle_b outer_a main || die "$prog: inner_c, middle_b, outer_a, main not all there in order"
	fi
	pid=$("$dir/$prog" fork 16) || die "$prog fork failed"
	n=$(names events "$pid")
	log "$prog fork: $(echo $n | tr '\n' ' ')"
	[ "$(first_own "$n" $prog)" = fork_c ] || die "$prog: the slow fork's first own frame is not fork_c"
	if [ $prog = ustack_fp ]; then
		in_order "$n" fork_c fork_b fork_a main || die "$prog: fork_c, fork_b, fork_a, main not all there in order"
	fi
done

if command -v python3 >/dev/null; then
	# A set of a new socket takes no chain; one undoing a clear does.
	pid=$(python3 -c 'import os, socket
s = socket.socket()
s.setblocking(False)
s.setblocking(True)
s.setblocking(False)
print(os.getpid())') || die "python3 failed"
	n=$(names clears "$pid")
	log "python3 setblocking(True): $(echo $n | tr '\n' ' ')"
	grep -qE ' (python3[.0-9]*|libpython[^ ]*)$' <<< "$n" || die "python3's clear has no frame in python3 or libpython"
	n=$(names sets "$pid")
	log "python3 setblocking(False) after it: $(echo $n | tr '\n' ' ')"
	grep -qE ' (python3[.0-9]*|libpython[^ ]*)$' <<< "$n" || die "python3's set after its clear has no frame in python3 or libpython"
	[ "$(jq --argjson pid "$pid" '[.sockets.sets[] | select(.tgid == $pid)] | length' "$json")" = 1 ] ||
		die "python3: want one sockset record (the set undoing the clear), not the first set"
fi

# Go: every clear of the File()+Fd() server names Fd and its caller.
if [ -x "$dir/go_blockconns" ]; then
	N=20
	out=$(mktemp)
	"$dir/go_blockconns" file $N 1 > "$out" || die "go_blockconns failed"
	pid=$(awk '$1 == "pid" { print $2 }' "$out")
	"$ctl" --json > "$json" || die "forkstatctl --json failed"
	named=$(jq --argjson pid "$pid" '[.sockets.clears[] | select(.tgid == $pid)
		| [.stack.frames[].functions[]] | select(index("os.(*File).Fd") != null
		  and index("main.dialAll") > index("os.(*File).Fd"))] | length' "$json")
	log "Go conn.File()+Fd(): $named of $N clears name os.(*File).Fd inside main.dialAll"
	[ "$named" = $N ] || die "only $named of $N Go clears name os.(*File).Fd then main.dialAll: $(jq -c --argjson pid "$pid" '[.sockets.clears[] | select(.tgid == $pid) | .stack | [.end, .mm, [.frames[] | .functions[0] // .unnamed]]]' "$json")"
	# Down to the line: main.dialAll's is the one calling Fd().
	src=$(jq -r --argjson pid "$pid" '[.sockets.clears[] | select(.tgid == $pid)][0]
		| [.stack.frames[] | (.functions | index("main.dialAll")) as $i
		   | select($i != null) | .sources[$i]][0]' "$json")
	line=$(sed -n "${src##*:}p" "${src%:*}" 2>/dev/null)
	log "main.dialAll at $src: $line"
	case "$line" in
	*"f.Fd()"*) ;;
	*) die "main.dialAll's frame is at $src, not at its call of Fd(): '$line'" ;;
	esac
	# The process's own summary: the host's may fold its hint under others'.
	hint=$("$ctl" -p "$pid" summary | tr -s ' \n' '  ')
	case "$hint" in
	*"cleared by main.dialAll (blockconns/main.go:${src##*:}) via os.(*File).Fd"*) ;;
	*) die "the summary does not say 'cleared by main.dialAll (blockconns/main.go:${src##*:}) via os.(*File).Fd': $hint" ;;
	esac
	"$dir/go_blockconns" control $N 1 > "$out" || die "go_blockconns control failed"
	pid=$(awk '$1 == "pid" { print $2 }' "$out")
	[ -z "$(rec_field sockclear tgid=$pid stack)" ] || die "SyscallConn variant: a clear recorded"
	rm -f "$out"
fi

# Hostile frame pointers: the walk ends where it must, saying why.
for mode in loop:loop kernel:kernel fault:fault; do
	pid=$("$dir/ustack_fp" ${mode%:*}) || die "ustack_fp ${mode%:*} failed"
	id=$(rec_field sockclear tgid=$pid stack)
	[ -n "$id" ] && [ "$id" != 0 ] || die "${mode%:*}: no chain recorded"
	line=$(grep "^ustack id=$id " $PROC) || die "${mode%:*}: chain $id not shown"
	log "${mode%:*}: $line"
	[ "$(rec_field ustack id=$id end)" = ${mode#*:} ] || die "${mode%:*}: want end=${mode#*:}: $line"
done

# A stack unmapped by another thread while its owner waits in vfork.
"$dir/ustack_fp" gone > "$json.gone" 2>&1
rc=$?
pid=$(head -n1 "$json.gone")
rm -f "$json.gone"
[ $rc = 139 ] || die "gone: want death by SIGSEGV (139), got $rc"
id=$(awk -v t="tgid=$pid" '$1 == "slow" && $5 == t && / flavour=vfork / {
	for (i = 2; i <= NF; i++) if ($i ~ /^stack=/) print substr($i, 7) }' $PROC)
[ -n "$id" ] && [ "$id" != 0 ] || die "gone: no chain for the vfork"
line=$(grep "^ustack id=$id " $PROC) || die "gone: chain $id not shown"
log "gone: $line"
case "$(rec_field ustack id=$id end)" in
stack|fault) ;;
*) die "gone: the walk did not stop at the missing stack: $line" ;;
esac
[ "$(rec_field ustack id=$id frames)" = 1 ] || die "gone: frames beyond the ip from a stack that is gone: $line"
check_dmesg_clean
log "chains named and cut where they must be"
