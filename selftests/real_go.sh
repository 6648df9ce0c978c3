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
slow=/sys/module/forkstat/parameters/slow_us
old_slow=$(cat $slow)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; echo $old_slow > $slow' EXIT

serve() {	# serve MODE: starts blockconns, sets pid and out
	out=$(mktemp)
	"$dir/go_blockconns" "$1" $N 600 > "$out" &
	pids+=($!)
	pid=$!
	loop_until 180 grep -q '^threads' "$out" || die "blockconns $1 did not get going"
	threads=$(awk '$1 == "threads" { print $2 }' "$out")
}

# The blocked readers are found when the file is read: each on its own
# connection, each joined to the clear made on that connection.
serve file
loop_until 120 eval '[ "$(rec_field blocked tgid=$pid blocked)" = $N ]' ||
	die "want $N blocked readers in Go pid $pid, got '$(rec_field blocked tgid=$pid blocked)'"
snap=$(mktemp)
cat $PROC > "$snap"
log "conn.File()+Fd(): $threads threads, clears=$(rec_field proc tgid=$pid sock_clears "$snap") blocked=$(rec_field blocked tgid=$pid blocked "$snap") on_cleared=$(rec_field blocked tgid=$pid on_cleared "$snap")"
[ "$(rec_field proc tgid=$pid sock_clears "$snap")" = $N ] || die "want $N clears against Go pid $pid, got '$(rec_field proc tgid=$pid sock_clears "$snap")'"
[ "$(rec_field blocked tgid=$pid blocked "$snap")" = $N ] || die "want $N blocked readers in Go pid $pid, got '$(rec_field blocked tgid=$pid blocked "$snap")'"
[ "$(rec_field blocked tgid=$pid on_cleared "$snap")" = $N ] || die "want all $N blocked readers joined to a clear"
sockets=$(awk -v t="tgid=$pid" '$1 == "blockedthread" && $3 == t { for (i = 2; i <= NF; i++) if ($i ~ /^ino=/) print $i }' "$snap" | sort -u | wc -l)
[ "$sockets" = $N ] || die "the $N blocked readers wait on $sockets sockets, want $N"
joined=$(awk -v t="tgid=$pid" -v b="cleared_by=$pid" '$1 == "blockedthread" && $3 == t { for (i = 2; i <= NF; i++) if ($i == b) n++ } END { print n + 0 }' "$snap")
[ "$joined" = $N ] || die "only $joined blocked readers name Go pid $pid as the clearer"
[ "$threads" -gt $N ] || die "Go reported only $threads threads for $N parked reads"
kill $pid

serve control
sleep 2
log "SyscallConn().Control: $threads threads, clears=$(rec_field proc tgid=$pid sock_clears) blocked=$(rec_field blocked tgid=$pid blocked)"
[ "$(rec_field proc tgid=$pid sock_clears)" = 0 ] || die "Control variant: clears recorded"
[ -z "$(rec_field blocked tgid=$pid blocked)" ] || die "Control variant: blocked readers found"
[ "$threads" -lt 30 ] || die "Control variant grew $threads threads"
kill $pid

# Spawn latency is compared on the fastest of several calls, which
# emulator noise can only slow down, so the comparison holds on a loaded
# host. slow_us=1 puts every call in the slow ring, one record each (the
# EXIT trap puts the old threshold back).
echo 1 > $slow

ring() {	# ring TGID FLAVOUR: calls, fastest total_ns, fastest and largest ptcopy_ns, max rss_kb
	awk -v t="$1" -v f="$2" '$1 == "slow" {
		delete v
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["tgid"] != t || v["flavour"] != f)
			next
		n++
		if (n == 1 || v["total_ns"] < tot) tot = v["total_ns"]
		if (n == 1 || v["ptcopy_ns"] < ptmin) ptmin = v["ptcopy_ns"]
		if (v["ptcopy_ns"] > ptmax) ptmax = v["ptcopy_ns"]
		if (v["rss_kb"] > rss) rss = v["rss_kb"]
	} END { print n + 0, tot + 0, ptmin + 0, ptmax + 0, rss + 0 }' $PROC
}
spawn() {	# spawn MIB: os/exec five times from a Go heap of MIB MiB
	"$dir/go_spawner" "$1" 5 > /dev/null &
	p=$!
	wait $p || die "go_spawner failed"
	ring $p vfork
}
cfork() {	# cfork MIB: plain fork() five times from a C parent of MIB MiB
	"$dir/bigfork" "$1" 5 > /dev/null &
	p=$!
	wait $p || die "bigfork failed"
	ring $p fork
}
read -r gn8 gv8 _ gptmax8 _ < <(spawn 8)
read -r gn256 gv256 _ gptmax256 grss256 < <(spawn 256)
read -r cn8 cf8 cpt8 _ _ < <(cfork 8)
read -r cn256 cf256 cpt256 _ crss256 < <(cfork 256)
log "os/exec vfork, fastest of $gn8/$gn256: ${gv8} ns at 8 MiB, ${gv256} ns at 256 MiB (RSS ${grss256} KiB)"
log "C fork, fastest of $cn8/$cn256: ${cf8} ns (ptcopy ${cpt8}), ${cf256} ns (ptcopy ${cpt256}) (RSS ${crss256} KiB)"
[ "$gn8" = 5 ] && [ "$gn256" = 5 ] || die "os/exec made $gn8 and $gn256 vforks, want 5 each"
[ "$cn8" = 5 ] && [ "$cn256" = 5 ] || die "bigfork made $cn8 and $cn256 forks, want 5 each"
[ "$grss256" -ge $((256 * 1024)) ] || die "Go's vforks saw RSS $grss256 KiB, want its 256 MiB heap"
[ "$crss256" -ge $((256 * 1024)) ] || die "C forks saw RSS $crss256 KiB, want 256 MiB"
[ "$gptmax8" = 0 ] && [ "$gptmax256" = 0 ] || die "os/exec's vforks copied page tables"
[ "$cpt8" -gt 0 ] || die "C fork copied no page tables"
[ $((gv256 * 4)) -lt "$cf256" ] || die "Go's vfork at 256 MiB is not far cheaper than C's fork"
# A 32-fold heap: page-table copying would scale with it, a vfork must not.
# On make check-debug's kernels a fork's fixed costs are many times a
# stock kernel's (an 8 MiB fork copied its page tables in 40 ms on the
# PREEMPT_RT one): there the copy need only grow by half.
grow=4 climb=3
debug_kernel && grow=1.5 climb=1.5
[ "$gv256" -lt $((gv8 * 3)) ] || die "Go's vfork latency grew with the heap: $gv8 -> $gv256 ns"
awk -v a="$cpt8" -v b="$cpt256" -v k=$grow 'BEGIN { exit !(b > a * k) }' ||
	die "C fork's page-table copy did not grow $grow-fold with the heap: $cpt8 -> $cpt256 ns"
awk -v a="$cf8" -v b="$cf256" -v k=$climb 'BEGIN { exit !(b > a * k) }' ||
	die "C fork latency did not climb $climb-fold with the heap: $cf8 -> $cf256 ns"
