#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# forkstatctl against the live module: after real forks and real socket
# clears, --json reports the numbers /proc/forkstat holds, and every view
# runs. Counters may grow between two reads, so a live figure must lie
# between a read just before and one just after; figures of processes
# that have exited cannot change and must match exactly.
. "$(dirname "$0")/functions.sh"
require_env
skip_on_cloud
dir=$(cd "$(dirname "$0")" && pwd)
ctl=$dir/forkstatctl
command -v jq >/dev/null || skip "jq is not installed"
[ -x "$ctl" ] || skip "no forkstatctl next to the tests"

# From a reset: a process of an earlier test with more clears than the
# blockers' (real_go.sh's, real_python.sh's) would top `top -s clears`.
echo reset > $PROC || die "reset refused"
# A process that forks 25 times and exits; 3 connections cleared and parked.
bash -c 'for ((i = 0; i < 25; i++)); do /bin/true; done; exit 0' &
forker=$!
wait $forker
"$dir/blockers" 3 600 > /dev/null &
blockers=$!
trap 'kill $blockers 2>/dev/null' EXIT
# Until its three readers are parked (they then hold still).
parked() { [ "$(rec_field blocked tgid=$blockers blocked)" = 3 ]; }
loop_until 300 parked || die "the blockers' 3 readers did not park"

before=$(mktemp) json=$(mktemp) after=$(mktemp)
cat $PROC > "$before"
"$ctl" --json > "$json" || die "forkstatctl --json failed"
cat $PROC > "$after"

between() {	# between NAME LOW VALUE HIGH
	[ -n "$3" ] && [ "$2" -le "$3" ] && [ "$3" -le "$4" ] ||
		die "$1: forkstatctl says '$3', /proc/forkstat said $2 then $4"
}

for f in fork vfork vm_clone thread; do
	between "flavour $f count" "$(rec_field flavour name=$f count "$before")" \
		"$(jq -r ".flavours.$f.count" "$json")" "$(rec_field flavour name=$f count "$after")"
done
between "probe copy_process hits" "$(rec_field probe symbol=copy_process hits "$before")" \
	"$(jq -r '.probes[] | select(.symbol == "copy_process") | .hits' "$json")" \
	"$(rec_field probe symbol=copy_process hits "$after")"

# The forker has exited: its row is final.
want=$(rec_field proc tgid=$forker fork "$after")
[ "$want" = 25 ] || die "/proc/forkstat gives the forker $want forks, it made 25"
got=$(jq -r ".procs.rows[] | select(.tgid == $forker) | .fork" "$json")
[ "$got" = 25 ] || die "forkstatctl gives the forker $got forks, it made 25"
got=$(jq -r ".procs.rows[] | select(.tgid == $forker) | .sum_ns" "$json")
[ "$got" = "$(rec_field proc tgid=$forker sum_ns "$after")" ] || die "forker sum_ns differs: $got"

# The blockers' clears and parked threads, which hold still while they wait.
got=$(jq -r ".procs.rows[] | select(.tgid == $blockers) | [.sock_clears, .blocked_now] | @tsv" "$json")
[ "$got" = "3	3" ] || die "forkstatctl gives blockers clears/blocked '$got', want 3 and 3"
[ "$(rec_field blocked tgid=$blockers blocked "$after")" = 3 ] || die "/proc/forkstat: blockers not blocked"
n=$(jq -r "[.sockets.clears[] | select(.tgid == $blockers)] | length" "$json")
[ "$n" = 3 ] || die "forkstatctl lists $n of the blockers' 3 clears"

# Every view runs live and says something of what happened.
# The whole summary folds hints beyond a screen: -p shows the blockers'.
"$ctl" -p "$blockers" | grep -q "pid $blockers (blockers) cleared O_NONBLOCK on 3 sockets; 3 threads are" ||
	die "summary lacks the blockers hint"
[ "$("$ctl" | wc -l)" -le 24 ] || die "the summary is more than 24 lines"
[ "$("$ctl" events --blocked | grep -cE "^ +$blockers +[0-9]+ blockers +[0-9]+ .* $blockers [0-9:]{8} ")" = 3 ] ||
	die "events --blocked does not list the 3 parked readers with their clearer"
# Folded stacks: the blockers' three clears, under their process.
[ "$("$ctl" --comm blockers stacks --sockets | awk '$0 ~ /^clear;blockers;/ { s += $NF } END { print s }')" -ge 3 ] ||
	die "stacks lacks the blockers' clears"
"$ctl" hist | grep -q 'flavour fork' || die "hist shows no fork histogram"
"$ctl" heatmap | grep -q 'parent RSS' || die "heatmap failed"
"$ctl" top -s clears -n 1 | grep -q " blockers " || die "top -s clears does not put blockers first"
"$ctl" events --sockets | grep -A1 " $blockers .* blockers " | grep -q '^ *tcp 127.0.0.1' ||
	die "events lacks the clears"
"$ctl" -p "$blockers" top | grep -c '^ *[0-9]' | grep -q '^1$' || die "-p does not narrow top to the blockers"
# Earlier tests' blockers may still be in the ring: all of them, no other name.
clears=$("$ctl" --comm blockers events --sockets | grep -E '^[0-9]{2}:[0-9]{2}:[0-9]{2} ')
[ "$(grep -cE "^[0-9:]{8} +$blockers " <<< "$clears")" = 3 ] ||
	die "--comm blockers does not keep the blockers' 3 clears"
! grep -qv ' blockers ' <<< "$clears" || die "--comm blockers shows other processes' clears"
"$ctl" --prometheus --per-process | grep -q "^forkstat_process_blocked_readers{tgid=\"$blockers\",comm=\"blockers\"} 3$" ||
	die "--prometheus lacks the blocked readers"
"$ctl" watch -i 0.5 -c 2 | grep -Ec '^[0-9]{2}:[0-9]{2}:[0-9]{2} ' | grep -q '^2$' ||
	die "watch did not print two intervals"
[ "$("$ctl" --json watch -i 0.5 -c 1 | jq .blocked_readers)" -ge 3 ] ||
	die "watch --json does not count the blockers' parked readers"
kill $blockers
wait $blockers 2>/dev/null
rm -f "$before" "$json" "$after"
log "forkstatctl agrees with /proc/forkstat; every view runs"

# events --follow while 300 slow forks turn the 64-record ring over
# several times: each fork printed once, or counted among the lost when
# more came between two reads than the ring holds.
slow_us=$(cat /sys/module/$MOD/parameters/slow_us)
follow=$(mktemp) pids=$(mktemp)
trap 'kill $blockers 2>/dev/null; echo $slow_us > /sys/module/$MOD/parameters/slow_us; rm -f "$follow" "$pids"' EXIT
echo 1 > /sys/module/$MOD/parameters/slow_us
"$ctl" --json events --forks --follow -i 0.1 > "$follow" &
fpid=$!
# Slow forks until --follow prints one: it is reading.
following() { sh -c 'echo $$' > "$pids"; grep -q "^{\"type\":\"fork\",.*\"child\":$(cat "$pids")," "$follow"; }
loop_until 60 following || die "--follow printed none of the forks made after it started"
for ((i = 0; i < 300; i++)); do sh -c 'echo $$' >> "$pids"; done
last=$(tail -n 1 "$pids")
# grep, not jq: the file's last line may be half written (jq fails on it).
seen_last() { grep -q "^{\"type\":\"fork\",.*\"child\":$last," "$follow"; }
loop_until 120 seen_last || die "--follow did not print the storm's last fork ($last): $(grep -c '"type":"fork"' "$follow") forks, $(grep -c '"type":"lost"' "$follow") lost lines"
kill -INT $fpid
wait $fpid || die "--follow exited $? after SIGINT"
dups=$(jq -r 'select(.type == "fork") | .id' "$follow" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || die "--follow printed $dups forks twice"
printed=$(jq -r 'select(.type == "fork") | .child' "$follow" | sort -u)
missing=$(sort -u "$pids" | comm -23 - <(echo "$printed") | wc -l)
lost=$(jq -s '[.[] | select(.type == "lost") | .count] | add // 0' "$follow")
[ "$missing" -le "$lost" ] || die "--follow missed $missing of the storm's forks and counted $lost lost"
log "events --follow: 300 slow forks through a 64-record ring, $missing not printed, $lost counted lost, none twice"
