#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Attribution to cgroups: two cgroups in the cgroup2 mount, a forker in
# one and a server switching its sockets to blocking in the other. Every
# process row, slow fork, clear and blocked thread carries the cgroup its
# process was in (the id is the cgroup directory's inode number), and
# forkstatctl's per-cgroup figures (top --by cgroup, --cgroup,
# Prometheus) are the sums of those rows.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
ctl=$dir/forkstatctl
cg=/sys/fs/cgroup
[ "$(stat -f -c %T $cg 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 mount at $cg"
top=$cg/forkstat-test-$$
pids=()
slow=/sys/module/forkstat/parameters/slow_us
old_slow=$(cat $slow)
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	echo "$old_slow" > $slow
	rmdir "$top/a" "$top/b" "$top" 2>/dev/null
}
trap cleanup EXIT
mkdir -p "$top/a" "$top/b" || die "cannot make cgroups under $top"
ida=$(stat -c %i "$top/a") idb=$(stat -c %i "$top/b")
echo 1 > $slow

# Each program moves itself into its cgroup, then becomes the program.
bash -c "echo \$\$ > $top/a/cgroup.procs && exec '$dir/bigfork' 16 3" > /dev/null &
forker=$!
pids+=($forker)
bash -c "echo \$\$ > $top/b/cgroup.procs && exec '$dir/blockers' 3 600" > /dev/null &
server=$!
pids+=($server)
wait $forker || die "bigfork failed"
loop_until 120 eval '[ "$(rec_field blocked tgid=$server blocked)" = 3 ]' ||
	die "the server's 3 readers are not blocked: blocked=$(rec_field blocked tgid=$server blocked)"
snap=$(mktemp)
cat $PROC > "$snap"

[ "$(rec_field proc tgid=$forker cgroup "$snap")" = "$ida" ] || die "forker's row: cgroup $(rec_field proc tgid=$forker cgroup "$snap"), want $ida"
[ "$(rec_field proc tgid=$server cgroup "$snap")" = "$idb" ] || die "server's row: cgroup $(rec_field proc tgid=$server cgroup "$snap"), want $idb"
[ "$(rec_field blocked tgid=$server cgroup "$snap")" = "$idb" ] || die "server's blocked line is not in cgroup $idb"
# Every record of each process, not only the first.
check_all() {	# check_all TYPE TGID WANT COUNT
	local got
	got=$(awk -v t="$1" -v g="tgid=$2" -v w="cgroup=$3" '$1 == t { hit = 0; ok = 0
		for (i = 2; i <= NF; i++) { if ($i == g) hit = 1; if ($i == w) ok = 1 }
		if (hit) { n++; if (!ok) bad++ } } END { print n + 0, bad + 0 }' "$snap")
	[ "$got" = "$4 0" ] || die "$1 records of $2: '$got' (records, not in cgroup $3), want '$4 0'"
}
check_all slow "$forker" "$ida" 3
check_all sockclear "$server" "$idb" 3
check_all blockedthread "$server" "$idb" 3
log "rows, slow forks, clears and blocked threads carry cgroups $ida and $idb"

# top --by cgroup: the sums of the rows in each cgroup.
sums() {	# sums ID: calls forks clears of the rows in cgroup ID
	awk -v w="cgroup=$1" '$1 == "proc" { hit = 0; for (i = 2; i <= NF; i++) if ($i == w) hit = 1
		if (!hit) next
		for (i = 2; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] ~ /^(fork|vfork|vm_clone|thread)$/) calls += kv[2]
			if (kv[1] == "fork") forks += kv[2]
			if (kv[1] == "sock_clears") clears += kv[2] } }
		END { print calls + 0, forks + 0, clears + 0 }' "$snap"
}
"$ctl" -f "$snap" top --by cgroup > /dev/null || die "top --by cgroup failed"
live=$("$ctl" top --by cgroup -n 100)
echo "$live" | sed 's/^/# /'
read -r ca fa _ < <(sums "$ida")
read -r cb _ clb < <(sums "$idb")
echo "$live" | grep -Eq "^/forkstat-test-$$/a +1 +$ca +$fa .* 0 +0 +0$" || die "top --by cgroup: a should show $ca calls, $fa forks"
echo "$live" | grep -Eq "^/forkstat-test-$$/b +1 +$cb +0 .* $clb +3 +0$" || die "top --by cgroup: b should show $cb calls, $clb clears, 3 blocked"

# --cgroup narrows every view; Prometheus labels the cgroup by its path.
"$ctl" --cgroup "/forkstat-test-$$/a" top -n 100 | grep -q " bigfork " || die "--cgroup a lacks the forker"
"$ctl" --cgroup "/forkstat-test-$$/a" top -n 100 | grep -q " blockers " && die "--cgroup a shows the server"
"$ctl" --cgroup "$top/b" events --sockets | grep -c " blockers " | grep -qx 3 || die "--cgroup b: not the server's 3 clears"
"$ctl" --cgroup "/forkstat-test-$$" top -n 100 | grep -c " \(bigfork\|blockers\) " | grep -qx 2 || die "--cgroup of the parent lacks its children's processes"
"$ctl" --prometheus | grep -q "^forkstat_cgroup_blocked_readers{cgroup=\"/forkstat-test-$$/b\"} 3$" ||
	die "Prometheus lacks the server's cgroup"
rm -f "$snap"
log "top --by cgroup, --cgroup and Prometheus agree with the rows"
