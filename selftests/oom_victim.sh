#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An OOM kill whose victim is not its trigger, the common case in a
# container: in a memory cgroup of 64 MiB, oom_hog holds 40 MiB with
# oom_score_adj 1000 (the victim of choice), then a second oom_hog, which
# the OOM killer may not kill (-1000), faults in 40 MiB more. Woken by its
# SIGKILL, the victim would let go of its memory at once; its mappings
# must be walked before that, whoever runs first. Three times: each
# record names the second hog as trigger and the first as victim, with
# the kernel's figures, walk=ok and the victim's 40 MiB mapping as its
# largest anonymous region; the trigger then gets its memory and exits.
. "$(dirname "$0")/functions.sh"
require_env
ROUNDS=3
pids=()
tmp=$(mktemp -d)
cleanup() {
	kill -9 "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	oom_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
oom_setup
cg=$(oom_cgroup victim 64M) || exit 1

for ((r = 1; r <= ROUNDS; r++)); do
	oom_hog_in "$cg" 1000 40 hold > "$tmp/victim" &
	vpid=$!
	pids=($vpid)
	loop_until 600 grep -q '^held' "$tmp/victim" || die "round $r: the victim did not fill its 40 MiB"
	mark_dmesg
	oom_hog_in "$cg" -1000 40 > /dev/null &
	trigger=$!
	pids+=($trigger)
	wait $vpid
	status=$?
	[ $status = 137 ] || die "round $r: the victim exited with $status, not killed (128 + 9)"
	wait $trigger || die "round $r: the trigger did not get its 40 MiB once the victim was gone"
	pids=()
	line=$(oom_kernel_line oom_hog)
	[ -n "$line" ] || die "round $r: the kernel logged no kill"
	snap=$tmp/snap$r
	loop_until 60 eval 'cat $PROC > "$snap"; [ -n "$(rec_field oomregions tgid=$vpid walk "$snap")" ]' ||
		die "round $r: no oomregions record for the victim, $vpid"
	oom_check_victim "$snap" "$line" 0
	[ "$victim" = "$vpid" ] || die "round $r: the kernel killed $victim, not the first hog ($vpid)"
	oid=$(rec_field oomvictim tgid=$vpid oom "$snap")
	[ "$(rec_field oom id=$oid tgid "$snap")" = "$trigger" ] ||
		die "round $r: record $oid's trigger is $(rec_field oom id=$oid tgid "$snap"), want $trigger"
	walk=$(rec_field oomregions oom=$oid walk "$snap")
	[ "$walk" = ok ] || die "round $r: walk=$walk, the victim's mappings were not walked before it let them go"
	read -r _ start end < "$tmp/victim"
	oom_check_largest "$snap" "$oid" "$start" "$end"
	log "round $r: record $oid, trigger $trigger, victim $vpid walked ($(rec_field oomregions oom=$oid anon_kb "$snap") kB anonymous)"
done
check_dmesg_clean_oom
