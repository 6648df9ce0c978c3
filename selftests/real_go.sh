#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Go, built with Debian's toolchain. A server whose connections go
# through conn.File()+Fd() grows one OS thread per connection; forkstat
# files every clear and every parked reader against it. The same server
# setting its socket option through SyscallConn().Control shows none.
# A Go program with a big heap spawning through os/exec does so with
# CLONE_VM|CLONE_VFORK: its spawns are vforks whose latency stays flat as
# the heap grows, while a C parent's plain fork() climbs.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
[ -x "$dir/go_blockconns" ] && [ -x "$dir/go_spawner" ] || skip "Go programs not built"
N=100
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

row() {	# row TGID KEY
	awk -v t="tgid=$1" -v k="$2=" '$1 == "proc" && $2 == t {
		for (i = 3; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' $PROC
}

serve() {	# serve MODE: starts blockconns, sets pid and out
	out=$(mktemp)
	"$dir/go_blockconns" "$1" $N 600 > "$out" &
	pids+=($!)
	pid=$!
	for _ in $(seq 600); do grep -q '^threads' "$out" && break; sleep 0.1; done
	grep -q '^threads' "$out" || die "blockconns $1 did not get going"
	threads=$(awk '$1 == "threads" { print $2 }' "$out")
}

serve file
for _ in $(seq 100); do [ "$(row $pid blocked_now)" = $N ] && break; sleep 0.2; done
log "conn.File()+Fd(): $threads threads, clears=$(row $pid sock_clears) blocked_now=$(row $pid blocked_now)"
[ "$(row $pid sock_clears)" = $N ] || die "want $N clears against Go pid $pid, got '$(row $pid sock_clears)'"
[ "$(row $pid blocked_now)" = $N ] || die "want $N blocked readers in Go pid $pid, got '$(row $pid blocked_now)'"
[ "$threads" -gt $N ] || die "Go reported only $threads threads for $N parked reads"
kill $pid

serve control
sleep 2
log "SyscallConn().Control: $threads threads, clears=$(row $pid sock_clears) blocked_peak=$(row $pid blocked_peak)"
[ "$(row $pid sock_clears)" = 0 ] || die "Control variant: clears recorded"
[ "$(row $pid blocked_peak)" = 0 ] || die "Control variant: blocked readers recorded"
[ "$threads" -lt 30 ] || die "Control variant grew $threads threads"
kill $pid

# Mean copy_process ns of flavour F over what made it since the last call.
flav() { awk -v n="name=$1" '$1 == "flavour" && $2 == n { split($3, c, "="); split($5, s, "="); print c[2], s[2] }' $PROC; }
vfork_mean() {	# vfork_mean MIB: os/exec from a Go heap of MIB MiB
	local c0 s0 c1 s1
	read -r c0 s0 < <(flav vfork)
	"$dir/go_spawner" "$1" 5 > /dev/null || die "go_spawner failed"
	read -r c1 s1 < <(flav vfork)
	[ $((c1 - c0)) -ge 5 ] || die "os/exec made $((c1 - c0)) vforks, want 5"
	echo $(((s1 - s0) / (c1 - c0)))
}
fork_mean() {	# fork_mean MIB: plain fork() from a C parent of MIB MiB
	local p
	"$dir/bigfork" "$1" 5 > /dev/null &
	p=$!
	wait $p
	echo $(($(row $p sum_ns) / $(row $p fork)))
}
gv32=$(vfork_mean 32) gv256=$(vfork_mean 256)
cf32=$(fork_mean 32) cf256=$(fork_mean 256)
log "os/exec vfork: ${gv32} ns at 32 MiB, ${gv256} ns at 256 MiB; C fork: ${cf32} ns, ${cf256} ns"
[ $((gv256 * 4)) -lt "$cf256" ] || die "Go's vfork at 256 MiB is not far cheaper than C's fork"
[ "$gv256" -lt $((gv32 * 2)) ] || die "Go's vfork latency grew with the heap: $gv32 -> $gv256 ns"
[ "$cf256" -gt $((cf32 * 3)) ] || die "C fork latency did not climb with the heap: $cf32 -> $cf256 ns"
