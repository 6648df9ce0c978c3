#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An OOM kill in a memory cgroup, against what the kernel itself says.
# oom_hog (a brk heap, then one large mapping touched page by page) runs
# in a cgroup with memory.max 64M until the OOM killer stops it. Then:
# - one "oom" record per oom_kill that memory.events counted, constraint
#   memcg, the cgroup's id, path and limit, the hog as trigger; as many
#   in the cgroup's forkstat_oom_kills_total;
# - its victim's figures equal the kernel's "Killed process" line (the
#   hog is single-threaded and in the fault: nothing changes between the
#   two reads);
# - the walk of its mappings: the heap as big as the hog made it, the
#   mapping it printed in the largest anonymous region, and the classes
#   summing to the kernel's anon-rss less what private file mappings
#   hold (under 2 MiB for this program), and the counter's lag;
# - the trigger's call chain, from the page fault: touch <- fill <- main.
# Then a cgroup with nothing the OOM killer may kill (oom_score_adj
# -1000): its OOMs are recorded as result=none, and none is a kill.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
hog=
cleanup() {
	[ -z "$hog" ] || kill -9 "$hog" 2>/dev/null
	wait 2>/dev/null
	oom_teardown
}
trap cleanup EXIT
oom_setup
top=$(oom_cgroup hog 64M) || exit 1
id=$(stat -c %i "$top")

kills0=$(oom_kills "$top")
mark_dmesg
out=$(mktemp)
bash -c "echo \$\$ > $top/cgroup.procs && exec '$dir/oom_hog'" > "$out" &
hog=$!
wait $hog
status=$?
hog=
[ $status = 137 ] || die "oom_hog exited with $status, not killed (128 + 9)"
kills=$(($(oom_kills "$top") - kills0))
[ $kills -ge 1 ] || die "memory.events counted no oom_kill"
loop_until 60 grep -q "^oom .* memcg=$id " $PROC || die "no oom record for cgroup $id"
snap=$(mktemp)
# The work item stores the record after the walk: wait until every kill is in.
loop_until 60 eval '[ "$(oom_records $PROC $id killed)" -ge $kills ]' ||
	die "$(oom_records $PROC $id killed) oom records of $kills kills after 60 s"
cat $PROC > "$snap"
[ "$(oom_records "$snap" $id killed)" = $kills ] ||
	die "$(oom_records "$snap" $id killed) oom records of cgroup $id, memory.events counted $kills kills"
log "$kills kill(s): memory.events and the oom records agree"
# The counter per cgroup, which outlives the ring's records (read live:
# labels are paths only for this host's own file).
series=$("$dir/forkstatctl" --prometheus |
	grep "^forkstat_oom_kills_total{cgroup=\"${top#/sys/fs/cgroup}\"} ")
[ "$series" = "forkstat_oom_kills_total{cgroup=\"${top#/sys/fs/cgroup}\"} $kills" ] ||
	die "Prometheus: '$series', want $kills kill(s) in ${top#/sys/fs/cgroup}"
grep -E '^(oom|oomcgroup|oomvictim|oomregions|oomanon|oomfile) ' "$snap" | sed 's/^/#   /'

# The kernel's own line about the kill.
line=$(oom_kernel_line oom_hog)
[ -n "$line" ] || die "the kernel logged no kill of oom_hog"
oom_check_victim "$snap" "$line" 0
oid=$(rec_field oomvictim tgid=$victim oom "$snap")
log "victim $victim: total_vm, anon, file and shmem as the kernel logged them"

# The record: the cgroup, its limit, the hog as its own trigger.
oom() {	# oom KEY: on the victim's record
	rec_field oom id=$oid "$1" "$snap"
}
[ "$(oom constraint)" = memcg ] || die "constraint=$(oom constraint), want memcg"
[ "$(oom limit_kb)" = 65536 ] || die "limit_kb=$(oom limit_kb), want 65536"
[ "$(oom tgid)" = "$victim" ] || die "trigger tgid=$(oom tgid), want the hog, $victim"
[ "$(oom cgroup)" = "$id" ] || die "trigger cgroup=$(oom cgroup), want $id"
[ "$(oom comm)" = oom_hog ] || die "trigger comm=$(oom comm)"
path=$(rec_field oomcgroup id=$id path "$snap")
[ "$path" = "${top#/sys/fs/cgroup}" ] || die "oomcgroup path=$path, want ${top#/sys/fs/cgroup}"
log "record $oid: memcg $id ($path), limit 64 MiB, triggered by the hog"

# Its memory by class.
reg() {
	rec_field oomregions tgid=$victim "$1" "$snap"
}
[ "$(reg walk)" = ok ] || die "walk=$(reg walk)"
heap=$(reg heap_kb)
# 4,096 blocks of 1,000 bytes, 1,008 with malloc's header: 4,032 KiB.
[ "$heap" -ge 4032 ] && [ "$heap" -le 4608 ] || die "heap_kb=$heap, the hog's brk heap holds 4032 KiB"
read -r _ start end < "$out"
oom_check_largest "$snap" "$oid" "$start" "$end"
anon=$(rec_field oomvictim tgid=$victim anon_kb "$snap")
sum=$((heap + $(reg stack_kb) + $(reg anon_kb)))
# The kernel's counter is approximate: 6.1 adds a thread's pages to it
# every 64 faults (SPLIT_RSS_COUNTING), 6.12 folds per-CPU counts in
# batches of 32 pages (percpu_counter): it may lag by 256 KiB, or 128
# KiB a CPU.
lag=$(($(nproc) * 128 > 256 ? $(nproc) * 128 : 256))
[ $sum -le $((anon + lag)) ] && [ $sum -ge $((anon - 2048)) ] ||
	die "heap + stacks + anonymous mappings = $sum kB, the kernel's anon-rss $anon kB"
log "regions: heap $heap kB, the hog's mapping largest, classes sum to $sum of $anon kB"

# The trigger's chain, from its page fault: touch, then its callers, by
# their frame pointers (named by forkstatctl from oom_hog's symbols).
stack=$(oom stack)
[ "$stack" != 0 ] || die "the trigger has no call chain"
frames=$(oom_chain "$snap" "$victim")
case $frames in
"touch fill main "*) ;;
*) die "the trigger's chain reads '$frames', want touch fill main first: $(cat "$snap.view")" ;;
esac
log "trigger chain $stack: $frames"
sed 's/^/#   /' "$snap.view"

# Nothing killable: the OOM killer finds nothing, the charge fails and the
# fault retries, OOM after OOM, until the test kills the hog. The retries
# fold into one record (repeats=), which leaves the kill's record kept.
kills0=$(oom_kills "$top")
none0=$(oom_records "$snap" $id none)
oom_hog_in "$top" -1000 > /dev/null &
hog=$!
loop_until 120 eval '[ "$(oom_records $PROC $id none)" -gt $none0 ]' || die "no result=none record"
kill -9 $hog 2>/dev/null
wait $hog 2>/dev/null
hog=
[ "$(oom_kills "$top")" = "$kills0" ] || die "the kernel killed something in the cgroup"
cat $PROC > "$snap"
[ "$(oom_records "$snap" $id none)" = $((none0 + 1)) ] ||
	die "$(oom_records "$snap" $id none) result=none records, want one: $(grep '^oom ' "$snap")"
calls=$(rec_field oom result=none repeats "$snap")
grep -q "^oom id=$oid " "$snap" || die "the kill's record $oid is gone"
log "OOMs with nothing to kill: one result=none record, $calls repeats"
check_dmesg_clean_oom
rm -f "$out" "$snap" "$snap.view"
