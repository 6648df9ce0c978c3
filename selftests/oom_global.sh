#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A host-wide OOM kill, no memory cgroup involved: sysrq-f, which runs the
# kernel's OOM killer over every process, from a kworker. oom_hog holds
# 64 MiB with oom_score_adj 1000, the victim of choice. The record:
# constraint global, no memory cgroup, order -1 (no allocation failed),
# the kworker as trigger with no call chain (a kernel thread has no user
# stack); its victim the one the kernel's "Killed process" line names,
# with the same figures. The victim is not the trigger, yet its mappings
# are walked, by itself as its SIGKILL wakes it, before it lets go of its
# memory: its 64 MiB mapping is the largest region.
#
# Why not a real allocation that exhausts the guest: with little memory
# left, reclaim evicts and refetches the page cache the guest runs from
# (9p) for minutes under emulation, and the soft-lockup watchdog fires
# before the OOM killer does (seen with the guest's memory taken by the
# huge page pool down to 190 MiB). The memory cgroup tests run the OOM
# killer from a failing allocation; this one covers the host-wide kind.
. "$(dirname "$0")/functions.sh"
require_env
[ -w /proc/sysrq-trigger ] || skip "no /proc/sysrq-trigger"
hog=
tmp=$(mktemp -d)
cleanup() {
	[ -z "$hog" ] || kill -9 "$hog" 2>/dev/null
	wait 2>/dev/null
	oom_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
oom_setup
cg=$(oom_cgroup global max) || exit 1

oom_hog_in "$cg" 1000 64 hold > "$tmp/out" &
hog=$!
# Page by page: minutes on a debugging kernel beside other guests.
loop_until 600 grep -q '^held' "$tmp/out" || die "oom_hog did not fill its 64 MiB"
mark_dmesg
echo f > /proc/sysrq-trigger
wait $hog
status=$?
pid=$hog
hog=
[ $status = 137 ] || die "oom_hog exited with $status, not killed (128 + 9)"
line=$(oom_kernel_line oom_hog)
[ -n "$line" ] || die "the kernel logged no kill of oom_hog"
snap=$tmp/snap
loop_until 60 eval 'cat $PROC > "$snap"; [ -n "$(rec_field oomregions tgid=$pid walk "$snap")" ]' ||
	die "no oomregions record for the hog, $pid"
oom_check_victim "$snap" "$line" 0
[ "$victim" = "$pid" ] || die "the kernel killed $victim, not the hog ($pid)"
oid=$(rec_field oomvictim tgid=$pid oom "$snap")
grep -E "^oom[a-z]* (id|oom)=$oid " "$snap" | sed 's/^/#   /'
oom() {	# oom KEY: on the record
	rec_field oom id=$oid "$1" "$snap"
}
[ "$(oom constraint)" = global ] || die "constraint=$(oom constraint), want global"
[ "$(oom memcg)" = 0 ] && [ "$(oom limit_kb)" = 0 ] ||
	die "a host-wide OOM with memcg=$(oom memcg) limit_kb=$(oom limit_kb)"
grep -q "^oomcgroup oom=$oid " "$snap" && die "an oomcgroup line for a host-wide OOM"
[ "$(oom result)" = killed ] && [ "$(oom order)" = -1 ] ||
	die "result=$(oom result) order=$(oom order), want killed and -1 (sysrq)"
[ "$(oom stack)" = 0 ] || die "the kworker has a user call chain: stack=$(oom stack)"
[[ $(oom comm) == kworker* ]] || die "trigger comm=$(oom comm), want the kworker of sysrq-f"
walk=$(rec_field oomregions oom=$oid walk "$snap")
[ "$walk" = ok ] || die "walk=$walk: the victim did not walk its own mappings before it exited"
read -r _ start end < "$tmp/out"
oom_check_largest "$snap" "$oid" "$start" "$end"
log "host-wide OOM: record $oid, the hog ($pid) its victim as the kernel says (walk=$walk), triggered by $(oom comm)"
check_dmesg_clean_oom
