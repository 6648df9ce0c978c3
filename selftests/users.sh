#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Users on one host: of another user's processes a reader sees what
# /proc/PID would show it. alice runs a server that switches its sockets
# to blocking (bench/blockers: two clears with their call chains, two
# threads blocked in a receive) and a setuid-root copy of the same; bob
# reads. alice sees her server's chains, sockets and blocked threads, and
# of the setuid one (which /proc/PID/maps refuses her) its row only; bob
# sees alice's rows and none of her chains, files, addresses, sockets or
# blocked threads; with /proc remounted hidepid=invisible bob sees no row
# of alice's and alice none of the setuid server's; a proc mount with
# subset=pid has no forkstat file; root sees everything.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
command -v setpriv >/dev/null || skip "no setpriv"
ALICE=60001
BOB=60002
work=$(mktemp -d)
chmod 755 "$work"
pids=()
# Lazily unmounted, and never removed through a mount: rm -rf in a proc
# mount would walk the whole of /proc.
ns=
# unshare --fork blocks SIGTERM while it waits: SIGKILL, and its child,
# the namespace's init, dies of --kill-child.
trap 'kill "${pids[@]}" 2>/dev/null; [ -z "$ns" ] || kill -KILL "$ns"; wait
      mount -o remount,hidepid=off /proc
      for m in suid proc nsproc; do umount -l "$work/$m" 2>/dev/null; done
      rm -rf --one-file-system "$work"' EXIT

# Commands as alice and as bob, their groups the same numbers (arrays, not
# functions: "$!" of a function run in the background is its subshell's).
as_alice=(setpriv --reuid=$ALICE --regid=$ALICE --clear-groups --)
as_bob=(setpriv --reuid=$BOB --regid=$BOB --clear-groups --)

# A file system that honours setuid, for the setuid-root copy.
mkdir "$work/suid" "$work/proc"
mount -t tmpfs -o mode=755 tmpfs "$work/suid" || die "cannot mount a tmpfs"
install -o root -g root -m 4755 "$dir/blockers" "$work/suid/blockers-suid"

"${as_alice[@]}" "$dir/blockers" 2 600 > /dev/null &
srv=$!
pids+=($srv)
"${as_alice[@]}" "$work/suid/blockers-suid" 2 600 > /dev/null &
suid=$!
pids+=($suid)
blocked_both() {
	[ "$(rec_field blocked tgid=$srv blocked)" = 2 ] &&
		[ "$(rec_field blocked tgid=$suid blocked)" = 2 ]
}
loop_until 60 blocked_both ||
	die "the two servers did not block in their reads: $(grep -E "^blocked .*tgid=($srv|$suid) " $PROC)"

cat $PROC > "$work/root"
"${as_alice[@]}" cat $PROC > "$work/alice" || die "alice cannot read $PROC"
"${as_bob[@]}" cat $PROC > "$work/bob" || die "bob cannot read $PROC"

has() { grep -Eq "$2" "$1"; }
# The chain ids of a process's clears, in root's view.
stacks_of() {
	awk -v t="tgid=$1" '$1 == "sockclear" { hit = 0; for (i = 2; i <= NF; i++) if ($i == t) hit = 1
		if (hit) for (i = 2; i <= NF; i++) if ($i ~ /^stack=[1-9]/) print substr($i, 7) }' "$work/root"
}
# Whether FILE shows any line of chain ID (its ustack, ufile, uframe).
shows_chain() {	# shows_chain FILE ID
	grep -Eq "^(ustack id|ufile stack|uframe stack)=$2 " "$1"
}
# A process's details: its clears and sets, its blocked threads.
DETAILS='^(sockclear|sockset|blockedthread|blocked) .*tgid='

# Root: everything of both.
for p in $srv $suid; do
	has "$work/root" "$DETAILS$p " || die "root does not see the sockets of $p"
	ids=$(stacks_of $p)
	[ -n "$ids" ] || die "no chain for the clears of $p in root's view"
	for id in $ids; do
		shows_chain "$work/root" "$id" || die "root does not see chain $id of $p"
		grep -Eq "^uframe stack=$id n=0 .*addr=0x[1-9a-f]" "$work/root" ||
			die "root does not see the addresses of chain $id"
	done
done
log "root sees the clears, chains and blocked threads of both servers"

# alice: her own server's details; of the setuid one, the row only.
has "$work/alice" "^proc tgid=$srv .* sock_clears=2 " || die "alice does not see her server's row"
has "$work/alice" "^blocked tgid=$srv blocked=2 " || die "alice does not see her blocked threads"
[ "$(grep -Ec "^sockclear .*tgid=$srv .* stack=[1-9]" "$work/alice")" = 2 ] ||
	die "alice does not see her two clears with their chains"
for id in $(stacks_of $srv); do
	grep -Eq "^uframe stack=$id n=0 .*addr=0x[1-9a-f]" "$work/alice" ||
		die "alice does not see the addresses of her chain $id"
	grep -Eq "^ufile stack=$id .*path=.*blockers$" "$work/alice" ||
		die "alice does not see the files of her chain $id"
done
has "$work/alice" "^proc tgid=$suid .* sock_clears=2 " || die "alice does not see the setuid server's row"
has "$work/alice" "$DETAILS$suid " && die "alice sees the sockets or blocked threads of the setuid server"
for id in $(stacks_of $suid); do
	shows_chain "$work/alice" "$id" && die "alice sees chain $id of the setuid server"
done
has "$work/alice" '^reader .* details=ptraceable hidepid=0$' || die "alice's reader line: $(grep ^reader "$work/alice")"
log "alice sees her server's chains and sockets, of the setuid one its counts only"

# bob: alice's counts, none of her details.
for p in $srv $suid; do
	has "$work/bob" "^proc tgid=$p .* sock_clears=2 " || die "bob does not see the counts of $p"
	has "$work/bob" "$DETAILS$p " && die "bob sees the sockets or blocked threads of $p"
	for id in $(stacks_of $p); do
		shows_chain "$work/bob" "$id" && die "bob sees chain $id of $p"
	done
done
has "$work/bob" '^flavour name=fork ' || die "bob does not see the host-wide totals"
log "bob sees alice's counts, none of her chains, files, addresses, sockets or blocked threads"

# hidepid: what /proc hides, forkstat read through it hides.
mount -o remount,hidepid=invisible /proc || die "cannot remount /proc hidepid=invisible"
"${as_bob[@]}" cat $PROC > "$work/bob-hidepid" || die "bob cannot read $PROC with hidepid"
"${as_alice[@]}" cat $PROC > "$work/alice-hidepid" || die "alice cannot read $PROC with hidepid"
cat $PROC > "$work/root-hidepid"
# The way around it: the file through the proc mount of another PID
# namespace, without hidepid (one a user can make with a user namespace;
# made here by root, in the host's mount namespace): it shows that
# namespace's processes, not the host's.
mkdir "$work/nsproc"
unshare -pf --kill-child sh -c "mount -t proc proc '$work/nsproc' && exec sleep 600" > /dev/null 2>&1 &
ns=$!
# Minutes on the PREEMPT_RT debugging kernel beside other guests (30 s
# were not enough there).
loop_until 300 test -e "$work/nsproc/forkstat" || die "no proc mount of a new PID namespace in 300 s"
"${as_bob[@]}" cat "$work/nsproc/forkstat" > "$work/bob-own-ns" || die "bob cannot read the other mount's forkstat"
mount -o remount,hidepid=off /proc
for p in $srv $suid; do
	has "$work/bob-own-ns" "^proc tgid=$p " && die "bob sees the row of $p through another proc mount"
done
has "$work/bob-own-ns" '^reader access=1 sees=namespace pidns_level=1 ' ||
	die "bob's reader line through another proc mount: $(grep ^reader "$work/bob-own-ns")"
for p in $srv $suid; do
	has "$work/bob-hidepid" "^proc tgid=$p " && die "hidepid=invisible: bob sees the row of $p"
	has "$work/root-hidepid" "^proc tgid=$p " || die "hidepid=invisible: root does not see the row of $p"
done
has "$work/alice-hidepid" "^proc tgid=$srv " || die "hidepid=invisible: alice does not see her server"
has "$work/alice-hidepid" "^proc tgid=$suid " && die "hidepid=invisible: alice sees the setuid server"
has "$work/bob-hidepid" '^reader .* hidepid=1$' || die "bob's reader line: $(grep ^reader "$work/bob-hidepid")"
log "with hidepid=invisible bob sees no row of alice's (nor through another proc mount), alice none of the setuid server's"

mount -t proc -o subset=pid proc "$work/proc" || die "cannot mount proc with subset=pid"
[ -e "$work/proc/forkstat" ] && die "a subset=pid proc mount shows forkstat"
log "each user sees what /proc/PID shows them"
